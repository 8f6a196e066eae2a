import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadText } from '../config/load.js';
import { formatMessages } from './format.js';
import { hostsMatch, toFqdn } from './hosts.js';
import { renderMessage } from './message.js';
import { analyzeResources } from './run.js';
import { isSuppressed, parseSuppression } from './suppression.js';

const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: [a]
  gateways: [missing]
  http: [{route: [{destination: {host: nowhere}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: other}
spec:
  hosts: [b]
  gateways: [missing]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {ports: [{name: web, port: 80}]}
`;

const run = (opts = {}) => analyzeResources(loadText(yaml, 'f.yaml').resources, opts).messages.map(renderMessage);

describe('analyzeResources', () => {
  it('reports only the selected namespace, sorted by level, code, resource, then text', () => {
    assert.deepEqual(run(), [
      'Error [IST0101] (VirtualService default/a f.yaml:6) Referenced gateway not found: "missing"',
      'Error [IST0101] (VirtualService default/a f.yaml:7) Referenced host not found: "nowhere"',
      'Info [IST0118] (Service default/svc f.yaml:19) Port name web (port: 80, targetPort: 80) does not follow Istio\'s <protocol>[-<suffix>] naming convention and sets no appProtocol.',
    ]);
  });

  it('reports every namespace with allNamespaces, and applies -n to resources without one', () => {
    const all = run({ allNamespaces: true });
    assert.ok(all.some((m) => m.includes('(VirtualService other/b f.yaml:14) Referenced gateway not found')), all.join('\n'));
    const inOther = run({ namespace: 'other' });
    assert.ok(inOther.some((m) => m.includes('(VirtualService other/a ')), inOther.join('\n'));
  });

  it('honours suppressions by flag (both name spellings, wildcards) and by annotation', () => {
    const out = run({ suppressions: [parseSuppression('IST0101=VirtualService a.default'), parseSuppression('IST0118=Service *')] });
    assert.deepEqual(out, []);
    const annotated = yaml.replace('metadata: {name: svc}', 'metadata: {name: svc, annotations: {galley.istio.io/analyze-suppress: "IST0118"}}');
    const msgs = analyzeResources(loadText(annotated, 'f.yaml').resources).messages;
    assert.ok(!msgs.some((m) => m.type.code === 'IST0118'));
    assert.ok(!isSuppressed(msgs[0], [parseSuppression('IST0101=VirtualService other/*')]));
  });

  it('treats the same object in several files as one (last definition wins)', () => {
    const vs = (host: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [r]
  http: [{route: [{destination: {host: ${host}}}]}]
`;
    const resources = [...loadText(vs('gone'), 'a.yaml').resources, ...loadText(vs('r'), 'b.yaml').resources, ...loadText('apiVersion: v1\nkind: Service\nmetadata: {name: r}\nspec: {ports: [{name: http, port: 80}]}\n', 'c.yaml').resources];
    assert.deepEqual(analyzeResources(resources).messages.map(renderMessage), []);
  });

  it('rejects a malformed suppression', () => {
    assert.throws(() => parseSuppression('IST0101'), /not a valid suppression/);
  });

  it('keeps one message per field when validation restates an analyzer finding', () => {
    const dep = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: [a]
  http: [{mirrorPercent: 5, route: [{destination: {host: a}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {ports: [{name: http, port: 80}]}
`;
    const out = analyzeResources(loadText(dep, 'f.yaml').resources).messages.map((m) => m.type.code);
    assert.deepEqual(out, ['IST0002']);
  });
});

describe('formatMessages', () => {
  it('renders istioctl-style json objects with keys in alphabetical order', () => {
    const { messages } = analyzeResources(loadText(yaml, 'f.yaml').resources);
    const parsed = JSON.parse(formatMessages(messages.slice(0, 1), 'json')) as Record<string, string>[];
    assert.deepEqual(Object.keys(parsed[0]), ['code', 'documentationUrl', 'level', 'message', 'origin', 'reference']);
    assert.equal(parsed[0].documentationUrl, 'https://istio.io/latest/docs/reference/config/analysis/ist0101/?ref=istioctl-analyze');
    assert.equal(parsed[0].reference, 'f.yaml:6');
    assert.match(formatMessages(messages.slice(0, 1), 'yaml'), /^- code: IST0101\n/);
    assert.equal(formatMessages([], 'json'), '[]');
  });
});

describe('hosts', () => {
  it('expands short names only', () => {
    assert.equal(toFqdn('reviews', 'default'), 'reviews.default.svc.cluster.local');
    assert.equal(toFqdn('reviews.default', 'x'), 'reviews.default');
    assert.equal(toFqdn('*.example.com', 'x'), '*.example.com');
  });
  it('matches wildcards in both directions', () => {
    assert.ok(hostsMatch('*.example.com', 'a.example.com'));
    assert.ok(hostsMatch('a.example.com', '*.example.com'));
    assert.ok(hostsMatch('*', 'anything'));
    assert.ok(hostsMatch('*.a.example.com', '*.example.com'));
    assert.ok(!hostsMatch('a.example.com', 'b.example.com'));
  });
});
