import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDuration, checkFQDN, checkIPOrCIDR, checkRegex, checkWildcardDomain, isIPv6, parseDurationMs } from './common.js';

describe('common field rules', () => {
  it('parses Go durations', () => {
    assert.equal(parseDurationMs('1h2m3.5s'), 3723500);
    assert.equal(parseDurationMs('300ms'), 300);
    assert.equal(parseDurationMs('10'), undefined);
    assert.equal(checkDuration('0.5ms'), 'duration must be greater than 1ms');
    assert.equal(checkDuration('1.0005s'), 'only durations to ms precision are supported');
    assert.equal(checkDuration('2s'), undefined);
  });
  it('checks host names and wildcards', () => {
    assert.equal(checkWildcardDomain('*.example.com'), undefined);
    assert.equal(checkWildcardDomain('*'), undefined);
    assert.match(checkWildcardDomain('foo.*.com') ?? '', /label "\*" invalid/);
    assert.match(checkFQDN('foo.123') ?? '', /all-numeric/);
    assert.equal(checkFQDN('istio.io.'), undefined);
  });
  it('checks IPs, CIDRs and regexes', () => {
    assert.equal(checkIPOrCIDR('198.18.0.0/15'), undefined);
    assert.match(checkIPOrCIDR('198.18.0.0/33') ?? '', /prefix length/);
    assert.ok(isIPv6('2001:db8::1'));
    assert.ok(!isIPv6('2001:db8:::1'));
    assert.equal(checkRegex('^/api/v[0-9]+'), undefined);
    assert.match(checkRegex('a(?=b)') ?? '', /invalid regex/);
  });
});
