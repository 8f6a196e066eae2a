import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aRecord,
  cnameRecord,
  decodeDnsMessage,
  DnsFormatError,
  DnsRcode,
  dnsQuery,
  dnsResponse,
  DnsType,
  encodeDnsMessage,
  errorResponseFromRaw,
  readARecord,
  readNameRecord,
} from './dns-message.js';

describe('DNS message codec', () => {
  it('round-trips a query and a response with A and CNAME records', () => {
    const query = dnsQuery(0xbeef, 'reviews.default.svc.cluster.local', DnsType.A);
    const decodedQuery = decodeDnsMessage(encodeDnsMessage(query));
    assert.deepEqual(decodedQuery, query);
    const response = dnsResponse(query, DnsRcode.NOERROR, [
      cnameRecord('x.example', 'reviews.default.svc.cluster.local', 30),
      aRecord('reviews.default.svc.cluster.local', '198.19.0.5', 30),
    ], true);
    const decoded = decodeDnsMessage(encodeDnsMessage(response));
    assert.equal(decoded.id, 0xbeef);
    assert.deepEqual(decoded.flags, { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 0 });
    assert.equal(readNameRecord(decoded.answers[0]!), 'reviews.default.svc.cluster.local');
    assert.equal(readARecord(decoded.answers[1]!), '198.19.0.5');
    assert.equal(decoded.answers[1]!.ttl, 30);
  });

  it('decodes compressed names, in owners and in CNAME data', () => {
    // Header, question "a.example", answer owner = pointer to 12, CNAME rdata "b" + pointer to "example".
    const header = Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const question = Buffer.from([1, 0x61, 7, ...Buffer.from('example'), 0, 0, 5, 0, 1]);
    const rdata = Buffer.from([1, 0x62, 0xc0, 14]);
    const answer = Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, rdata.length, ...rdata]);
    const msg = decodeDnsMessage(Buffer.concat([header, question, answer]));
    assert.equal(msg.questions[0]!.name, 'a.example');
    assert.equal(msg.answers[0]!.name, 'a.example');
    assert.equal(readNameRecord(msg.answers[0]!), 'b.example');
  });

  it('rejects truncated messages and compression loops', () => {
    assert.throws(() => decodeDnsMessage(Buffer.alloc(5)), DnsFormatError);
    const loop = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    assert.throws(() => decodeDnsMessage(loop), DnsFormatError);
    assert.throws(() => encodeDnsMessage(dnsQuery(1, `${'a'.repeat(64)}.example`, DnsType.A)), DnsFormatError);
  });

  it('builds an error response from a raw query, even an undecodable one', () => {
    const raw = encodeDnsMessage(dnsQuery(7, 'x.test', DnsType.A));
    const servfail = decodeDnsMessage(errorResponseFromRaw(raw, DnsRcode.SERVFAIL)!);
    assert.equal(servfail.id, 7);
    assert.equal(servfail.flags.rcode, DnsRcode.SERVFAIL);
    assert.equal(servfail.questions[0]!.name, 'x.test');
    const garbage = Buffer.concat([raw.subarray(0, 12), Buffer.from([99])]);
    const formerr = decodeDnsMessage(errorResponseFromRaw(garbage, DnsRcode.FORMERR)!);
    assert.equal(formerr.id, 7);
    assert.equal(formerr.flags.qr, true);
    assert.equal(formerr.flags.rcode, DnsRcode.FORMERR);
    assert.equal(errorResponseFromRaw(Buffer.alloc(3), DnsRcode.FORMERR), undefined);
  });
});
