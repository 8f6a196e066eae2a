import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genericSecretResource, makeTestAuthority, makeTestCredential, tlsSecretResource } from '../../api/kinds/secret/testing-credentials.js';
import type { Resource } from '../../api/resource.js';
import { unpackAny, type ProtoObject } from '../protos.js';
import { markVerified, parseNode, type ProxyInfo } from '../proxy.js';
import { buildPushContext, type PushContext } from '../push-context.js';
import { mergePushRequests, secretOnlyNamespaces } from '../push-request.js';
import { jsonToStruct } from '../struct.js';
import { TYPE_URL } from '../type-urls.js';
import { parseCredentialName, reportUnverifiedCredentialRequest } from './credential-resolver.js';
import { pino } from 'pino';
import { selectGenerator } from './select.js';

type O = ProtoObject;
const NET = 'networking.istio.io/v1';
const ca = await makeTestAuthority('sds-test-ca');
const gwCred = await makeTestCredential(ca, ['shop.example.com']);
const clientCred = await makeTestCredential(ca, ['client.shop']);
const otherCa = await makeTestAuthority('separate-ca');

/** A proxy as a 15012 stream sees it (certificate-verified), or as a plaintext node claims to be. */
function proxy(type: 'router' | 'sidecar', namespace: string, labels: Record<string, string>, verified = true): ProxyInfo {
  const p = parseNode({ id: `${type}~198.18.0.9~p-1.${namespace}~${namespace}.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: namespace, LABELS: labels }) });
  return verified ? markVerified(p) : p;
}

function dr(name: string, namespace: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: NET, kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

const resources: Resource[] = [
  tlsSecretResource('gw-cert', 'istio-system', gwCred, ca.certPem),
  tlsSecretResource('plain-cert', 'istio-system', gwCred),
  tlsSecretResource('split-cert', 'istio-system', gwCred, ca.certPem),
  tlsSecretResource('split-cert-cacert', 'istio-system', undefined, otherCa.certPem),
  genericSecretResource('client-cred', 'shop', clientCred, ca.certPem),
  genericSecretResource('unreferenced', 'shop', clientCred, ca.certPem),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { ports: [{ name: 'tls', port: 5432 }], selector: { app: 'db' } } },
  dr('db-mtls', 'shop', { host: 'db', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'client-cred', sni: 'db.shop' } } }),
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-ca', namespace: 'shop' }, data: { 'ca.crt': otherCa.certPem } } as unknown as Resource,
  dr('api', 'shop', { host: 'api.shop.svc.cluster.local', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'configmap://api-ca' } } }),
  dr('db-any', 'shop', { host: 'db.other.svc.cluster.local', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'unreferenced' } } }),
];
const push: PushContext = buildPushContext({ resources, trustBundlePem: ca.certPem });

function sds(p: ProxyInfo, names: string[] | undefined, at: PushContext = push): Map<string, O> {
  const gen = selectGenerator(TYPE_URL.secret, p)!;
  return new Map(gen(at, p, names).map((r) => [r.name, unpackAny(r.resource)]));
}
const text = (v: unknown): string => Buffer.from((v as { inline_bytes: Uint8Array }).inline_bytes).toString('utf8');

const ingress = proxy('router', 'istio-system', { istio: 'ingressgateway' });
const checkout = proxy('sidecar', 'shop', { app: 'checkout' });

describe('SDS credentials: which proxy gets which Secret', () => {
  const cases: Array<{ name: string; proxy: ProxyInfo; ask: string; served: 'cert' | 'ca' | false; caPem?: string }> = [
    { name: 'a gateway gets a Secret of its namespace', proxy: ingress, ask: 'kubernetes://gw-cert', served: 'cert' },
    { name: 'a gateway gets NAME-cacert from the ca.crt of NAME', proxy: ingress, ask: 'kubernetes://gw-cert-cacert', served: 'ca', caPem: ca.certPem },
    { name: 'a separate NAME-cacert Secret wins over ca.crt of NAME', proxy: ingress, ask: 'kubernetes://split-cert-cacert', served: 'ca', caPem: otherCa.certPem },
    { name: 'NAME-cacert of a Secret without a CA is not served', proxy: ingress, ask: 'kubernetes://plain-cert-cacert', served: false },
    { name: 'the explicit namespace form of its own namespace', proxy: ingress, ask: 'kubernetes://istio-system/gw-cert', served: 'cert' },
    { name: 'a gateway of another namespace does not', proxy: proxy('router', 'shop', { istio: 'shopgateway' }), ask: 'kubernetes://gw-cert', served: false },
    { name: 'nor by naming the namespace', proxy: proxy('router', 'shop', { istio: 'shopgateway' }), ask: 'kubernetes://istio-system/gw-cert', served: false },
    { name: 'a missing Secret is left out', proxy: ingress, ask: 'kubernetes://nope', served: false },
    { name: 'a sidecar gets the credential of a DestinationRule that selects it', proxy: checkout, ask: 'kubernetes://client-cred', served: 'cert' },
    { name: 'and its CA half', proxy: checkout, ask: 'kubernetes://client-cred-cacert', served: 'ca', caPem: ca.certPem },
    { name: 'a sidecar the rule does not select does not', proxy: proxy('sidecar', 'shop', { app: 'web' }), ask: 'kubernetes://client-cred', served: false },
    { name: 'a sidecar of another namespace does not', proxy: proxy('sidecar', 'istio-system', { app: 'checkout' }), ask: 'kubernetes://gw-cert', served: false },
    { name: 'a rule without workloadSelector gives sidecars nothing', proxy: checkout, ask: 'kubernetes://unreferenced', served: false },
    { name: 'a sidecar cannot ask for any Secret of its namespace', proxy: checkout, ask: 'kubernetes://shop/unreferenced', served: false },
    { name: 'a ConfigMap credential serves its ca.crt to the sidecar its rule selects', proxy: checkout, ask: 'configmap://api-ca', served: 'ca', caPem: otherCa.certPem },
    { name: 'a ConfigMap of another namespace is refused', proxy: ingress, ask: 'configmap://shop/api-ca', served: false },
    // Plaintext (15010): the node's namespace is only a claim.
    { name: 'an unverified gateway of the namespace gets no Secret', proxy: proxy('router', 'istio-system', { istio: 'ingressgateway' }, false), ask: 'kubernetes://gw-cert', served: false },
    { name: 'nor its CA half', proxy: proxy('router', 'istio-system', { istio: 'ingressgateway' }, false), ask: 'kubernetes://gw-cert-cacert', served: false },
    { name: 'an unverified sidecar the rule selects gets no Secret', proxy: proxy('sidecar', 'shop', { app: 'checkout' }, false), ask: 'kubernetes://client-cred', served: false },
    { name: 'a ConfigMap CA (not secret) still reaches an unverified sidecar the rule selects', proxy: proxy('sidecar', 'shop', { app: 'checkout' }, false), ask: 'configmap://api-ca', served: 'ca', caPem: otherCa.certPem },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.ask})`, () => {
      const got = sds(c.proxy, [c.ask]);
      if (c.served === false) {
        assert.equal(got.size, 0);
        return;
      }
      const s = got.get(c.ask);
      assert.ok(s, `served: ${[...got.keys()].join(', ')}`);
      assert.equal(s.name, c.ask);
      if (c.served === 'cert') {
        const tc = s.tls_certificate as O;
        assert.ok(text(tc.certificate_chain).includes('BEGIN CERTIFICATE'));
        assert.ok(text(tc.private_key).includes('PRIVATE KEY'));
        assert.equal(s.validation_context ?? null, null);
      } else {
        assert.equal(text((s.validation_context as O).trusted_ca), c.caPem);
        assert.equal(s.tls_certificate ?? null, null);
      }
    });
  }

  it('a wildcard request gets the trust bundle only; ROOTCA next to credentials', () => {
    assert.deepEqual([...sds(ingress, undefined).keys()], ['ROOTCA']);
    assert.deepEqual([...sds(ingress, ['ROOTCA', 'kubernetes://gw-cert', 'default']).keys()].sort(), ['ROOTCA', 'kubernetes://gw-cert']);
  });

  it('an unverified stream asking for Secrets is logged once per proxy, names listed, no material', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    // Node ids of their own: the once-per-proxy memory is process-wide.
    const a = parseNode({ id: 'router~198.18.0.11~log-once-a.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system' }) });
    const b = parseNode({ id: 'router~198.18.0.12~log-once-b.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system' }) });
    for (let i = 0; i < 3; i++) reportUnverifiedCredentialRequest(a, ['kubernetes://gw-cert'], log);
    reportUnverifiedCredentialRequest(b, ['kubernetes://gw-cert', 'kubernetes://gw-cert-cacert'], log);
    assert.deepEqual(lines.map((l) => [l.proxy, l.secrets]), [[a.id, ['kubernetes://gw-cert']], [b.id, ['kubernetes://gw-cert', 'kubernetes://gw-cert-cacert']]]);
    assert.ok(lines.every((l) => !JSON.stringify(l).includes('BEGIN')));
  });

  it('ROOTCA stays public: an unverified proxy gets it, and nothing else it asks for', () => {
    const plain = proxy('router', 'istio-system', { istio: 'ingressgateway' }, false);
    assert.deepEqual([...sds(plain, ['ROOTCA', 'kubernetes://gw-cert', 'kubernetes://gw-cert-cacert']).keys()], ['ROOTCA']);
  });

  it('the generic layout serves cert and key as they are', () => {
    const s = sds(checkout, ['kubernetes://client-cred']).get('kubernetes://client-cred')!;
    assert.equal(text((s.tls_certificate as O).certificate_chain), clientCred.certPem);
    assert.equal(text((s.tls_certificate as O).private_key), clientCred.keyPem);
  });

  it('a changed Secret is served with the new material by the next push context', async () => {
    const rotated = await makeTestCredential(ca, ['shop.example.com']);
    const next = buildPushContext({ resources: resources.map((r) => (r.metadata.name === 'gw-cert' ? tlsSecretResource('gw-cert', 'istio-system', rotated, ca.certPem) : r)) });
    const s = sds(ingress, ['kubernetes://gw-cert'], next).get('kubernetes://gw-cert')!;
    assert.equal(text((s.tls_certificate as O).certificate_chain), rotated.certPem);
  });
});

describe('credential names and Secret pushes', () => {
  it('parses kubernetes://[NS/]NAME[-cacert]', () => {
    assert.deepEqual(parseCredentialName('kubernetes://a-cacert', 'ns'), { sdsName: 'kubernetes://a-cacert', source: 'secret', namespace: 'ns', name: 'a-cacert', caOnly: true, baseName: 'a' });
    assert.deepEqual(parseCredentialName('kubernetes://x/a', 'ns'), { sdsName: 'kubernetes://x/a', source: 'secret', namespace: 'x', name: 'a', caOnly: false, baseName: 'a' });
    assert.deepEqual(parseCredentialName('configmap://a-cacert', 'ns'), { sdsName: 'configmap://a-cacert', source: 'configmap', namespace: 'ns', name: 'a-cacert', caOnly: true, baseName: 'a-cacert' });
    for (const bad of ['default', 'ROOTCA', 'kubernetes://', 'kubernetes://a/b/c', 'kubernetes:///a', 'file:///etc/x']) assert.equal(parseCredentialName(bad, 'ns'), undefined, bad);
  });

  it('a push about Secrets only names their namespaces; anything else makes it a normal push', () => {
    const req = (keys: string[]) => ({ full: true, configsUpdated: new Set(keys), reasons: new Set(['config']), start: 0 });
    assert.deepEqual([...secretOnlyNamespaces(req(['Secret/istio-system/a', 'Secret/shop/b']))!].sort(), ['istio-system', 'shop']);
    assert.equal(secretOnlyNamespaces(req(['Secret/istio-system/a', 'Gateway/istio-system/gw'])), undefined);
    assert.equal(secretOnlyNamespaces(req([])), undefined);
    // Merged with a push that names no config (trust bundle, JWKS, health): a normal push.
    for (const other of [{ full: true, reason: 'trust-bundle' }, { full: false, reason: 'health' }]) {
      const merged = mergePushRequests(req(['Secret/istio-system/a']), { full: other.full, configsUpdated: new Set(), reasons: new Set([other.reason]), start: 0 });
      assert.equal(secretOnlyNamespaces(merged), undefined, other.reason);
    }
  });
});

describe('TLS contexts that name credentials', () => {
  const egress = proxy('router', 'shop', { istio: 'egressgateway' });
  const clusters = (p: ProxyInfo): Map<string, O> => new Map(selectGenerator(TYPE_URL.cluster, p)!(push, p, undefined).map((r) => [r.name, unpackAny(r.resource)]));
  const upstreamTls = (c: O | undefined): O | undefined => (c?.transport_socket ? unpackAny((c.transport_socket as O).typed_config as { type_url: string; value: Uint8Array }) : undefined);

  it('DestinationRule MUTUAL with credentialName: client certificate and CA over ADS SDS, SNI as given', () => {
    const ctx = upstreamTls(clusters(checkout).get('outbound|5432||db.shop.svc.cluster.local'))!;
    const common = ctx.common_tls_context as O;
    assert.deepEqual((common.tls_certificate_sds_secret_configs as O[]).map((s) => [s.name, (s.sds_config as O).config_source_specifier]), [['kubernetes://client-cred', 'ads']]);
    const combined = common.combined_validation_context as O;
    assert.equal((combined.validation_context_sds_secret_config as O).name, 'kubernetes://client-cred-cacert');
    assert.equal(ctx.sni, 'db.shop');
  });

  it('DestinationRule SIMPLE with a configmap:// credential: only the CA, from the ConfigMap, no client certificate', () => {
    const p = buildPushContext({ resources: [...resources, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { ports: [{ name: 'https', port: 443 }], selector: { app: 'api' } } }] });
    const c = new Map(selectGenerator(TYPE_URL.cluster, checkout)!(p, checkout, undefined).map((r) => [r.name, unpackAny(r.resource)])).get('outbound|443||api.shop.svc.cluster.local');
    const common = upstreamTls(c)!.common_tls_context as O;
    assert.deepEqual(common.tls_certificate_sds_secret_configs ?? [], []);
    assert.equal(((common.combined_validation_context as O).validation_context_sds_secret_config as O).name, 'configmap://api-ca');
  });

  it('a sidecar the rule does not select uses the mesh default instead', () => {
    const web = proxy('sidecar', 'shop', { app: 'web' });
    const ctx = upstreamTls(clusters(web).get('outbound|5432||db.shop.svc.cluster.local'));
    const names = ctx ? ((ctx.common_tls_context as O).tls_certificate_sds_secret_configs as O[] | undefined ?? []).map((s) => s.name) : [];
    assert.ok(!names.includes('kubernetes://client-cred'));
  });

  it('a gateway takes credentialName from a rule without workloadSelector', () => {
    const p = buildPushContext({ resources: [...resources, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'other' }, spec: { ports: [{ name: 'tls', port: 5432 }], selector: { app: 'db' } } }] });
    const gen = selectGenerator(TYPE_URL.cluster, egress)!;
    const c = new Map(gen(p, egress, undefined).map((r) => [r.name, unpackAny(r.resource)])).get('outbound|5432||db.other.svc.cluster.local');
    const ctx = upstreamTls(c)!;
    assert.equal((((ctx.common_tls_context as O).tls_certificate_sds_secret_configs as O[])[0]!).name, 'kubernetes://unreferenced');
  });
});
