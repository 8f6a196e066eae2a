// A push about Secrets only touches SDS, and only on proxies of the Secrets' namespaces: a real
// ADS server and real gRPC streams. The next push context also changes the gateways' listeners,
// so a push that regenerated every type would send LDS too; a Secret push must not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { makeTestAuthority, makeTestCredential, tlsSecretResource } from '../src/api/kinds/secret/testing-credentials.js';
import type { Resource } from '../src/api/resource.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { unpackAny, type ProtoObject } from '../src/xds/protos.js';
import { buildPushContext } from '../src/xds/push-context.js';
import type { PushRequest } from '../src/xds/push-request.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, resourceNames, testNode, type AdsTestStream } from './support/ads-test-client.js';

const NET = 'networking.istio.io/v1';
const gateway = (port: number): Resource => ({
  apiVersion: NET, kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: port, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'gw-cert' } }] },
});
const request = (keys: string[]): PushRequest => ({ full: true, configsUpdated: new Set(keys), reasons: new Set(['config']), start: Date.now() });

describe('Secret pushes are scoped to SDS of the Secret\'s namespace', { timeout: 30_000 }, () => {
  let ads: AdsServer;
  let client: AdsTestClient;
  const streams: AdsTestStream[] = [];
  let first: Resource[];
  let cert2: Resource;

  before(async () => {
    const ca = await makeTestAuthority('push-scope-ca');
    first = [gateway(443), tlsSecretResource('gw-cert', 'istio-system', await makeTestCredential(ca, ['a.example.com']))];
    cert2 = tlsSecretResource('gw-cert', 'istio-system', await makeTestCredential(ca, ['a.example.com']));
    ads = new AdsServer({ logger: pino({ level: 'silent' }), pushContext: buildPushContext({ resources: first }) });
    // Secrets go only to verified streams: a port whose authorizer (here: accept all, no TLS, a
    // stand-in for 15012's certificate rule, which test/secrets-credentials.test.ts runs for real) binds identity.
    const verifiedPort = ads.createAuthorizedServer(() => undefined);
    client = new AdsTestClient(await ads.listen('127.0.0.1:0', undefined, verifiedPort));
  });
  after(async () => {
    for (const s of streams) s.close();
    client?.close();
    await ads?.close();
  });

  /** A gateway of `namespace` subscribed to LDS and to the credential over SDS; the first answers drained. */
  async function gatewayStream(namespace: string): Promise<AdsTestStream> {
    const s = client.sotw();
    streams.push(s);
    const node = testNode(`router~127.0.0.1~gw-1.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: { istio: 'ingressgateway' } });
    s.send({ node, type_url: TYPE_URL.listener, resource_names: [] });
    const lds = await s.next();
    s.send({ type_url: TYPE_URL.listener, version_info: lds.version_info, response_nonce: lds.nonce, resource_names: [] });
    s.send({ type_url: TYPE_URL.secret, resource_names: ['kubernetes://gw-cert'] });
    const sds = await s.next();
    s.send({ type_url: TYPE_URL.secret, version_info: sds.version_info, response_nonce: sds.nonce, resource_names: ['kubernetes://gw-cert'] });
    assert.ok(await s.quiet(200));
    return s;
  }

  it('the gateway of the Secret\'s namespace gets the new Secret and nothing else; another namespace gets nothing', async () => {
    const own = await gatewayStream('istio-system');
    const other = await gatewayStream('shop');
    // The next push context differs in LDS (port 8443) as well as in the Secret.
    ads.push(buildPushContext({ resources: [gateway(8443), cert2] }), request(['Secret/istio-system/gw-cert']));
    const got = await own.next();
    assert.equal(got.type_url, TYPE_URL.secret);
    assert.deepEqual(resourceNames(got), ['kubernetes://gw-cert']);
    const secret = unpackAny((got.resources as ProtoObject[])[0] as { type_url: string; value: Uint8Array });
    const chain = Buffer.from(((secret.tls_certificate as ProtoObject).certificate_chain as { inline_bytes: Uint8Array }).inline_bytes).toString();
    assert.equal(chain, Buffer.from((cert2.data as Record<string, string>)['tls.crt']!, 'base64').toString());
    assert.ok(await own.quiet(300), 'no LDS after a Secret-only push');
    assert.ok(await other.quiet(300), 'nothing for a proxy of another namespace');

    // A push about the Gateway regenerates every type: LDS now moves to 8443.
    ads.push(buildPushContext({ resources: [gateway(8443), cert2] }), request(['Gateway/istio-system/gw']));
    const lds = await own.next();
    assert.equal(lds.type_url, TYPE_URL.listener);
    assert.deepEqual(resourceNames(lds), ['0.0.0.0_8443']);
  });
});
