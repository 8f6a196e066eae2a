/**
 * The controller's side of RequestAuthentication with a jwksUri: the key set is fetched from a
 * real HTTP server before the push that first needs it, inlined into jwt_authn, and a rotated
 * key set reaches the next push without any config change.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Resource } from '../src/api/resource.js';
import { MemoryConfigStore } from '../src/config/memory-store.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { jwtAuthnFilter } from '../src/xds/generators/jwt-authn-filter.js';
import { UNVERIFIABLE_JWKS } from '../src/xds/jwks/fake-jwks.js';
import { messageType, type ProtoObject } from '../src/xds/protos.js';
import { parseNode } from '../src/xds/proxy.js';
import type { PushContext } from '../src/xds/push-context.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { XdsController } from '../src/xds/xds-controller.js';

const DOC_A = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'a', x: 'xa', y: 'ya' }] });
const DOC_B = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'b', x: 'xb', y: 'yb' }] });
const node = parseNode({ id: 'sidecar~198.18.0.9~web.shop~shop.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'shop', LABELS: { app: 'web' } }) });

function ra(name: string, issuer: string, jwksUri: string): Resource {
  return { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace: 'shop' }, spec: { jwtRules: [{ issuer, jwksUri }] } } as Resource;
}

/** The inline JWKS of each provider (by issuer) in what the controller sends for a push. */
function inlined(ads: AdsServer, push: PushContext = ads.pushContext()): Record<string, string> {
  const filter = jwtAuthnFilter(push, node);
  if (!filter) return {};
  const type = messageType('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication');
  const config = type.toObject(type.decode((filter.typed_config as { value: Uint8Array }).value)) as { providers: Record<string, ProtoObject> };
  return Object.fromEntries(Object.values(config.providers).map((p) => [String(p.issuer), String((p.local_jwks as ProtoObject).inline_string)]));
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('controller JWKS fetching and pushes', () => {
  let server: http.Server;
  let base = '';
  const docs = new Map<string, string>();
  let store: MemoryConfigStore;
  let ads: AdsServer;
  let controller: XdsController;
  /** Every push context the controller committed, in order. */
  const committed: PushContext[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const doc = docs.get(req.url ?? '');
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(doc ?? '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    docs.set('/a', DOC_A);
    store = new MemoryConfigStore();
    await store.apply(ra('first', 'https://a.example', `${base}/a`));
    ads = new AdsServer({ logger: pino({ level: 'silent' }) });
    const push = ads.push.bind(ads);
    ads.push = (ctx, req) => {
      committed.push(ctx);
      return push(ctx, req);
    };
    controller = new XdsController({ store, ads, debounce: { quietMs: 10, maxMs: 100 }, jwks: { refreshIntervalMs: 100, logger: pino({ level: 'silent' }) } });
    await controller.start();
  });
  after(async () => {
    controller.stop();
    await ads.close();
    await store.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('the first push already carries the fetched key set', () => {
    assert.deepEqual(inlined(ads), { 'https://a.example': DOC_A });
  });

  it('a rotated key set is pushed without a config change', async () => {
    const pushes = controller.pushCount();
    docs.set('/a', DOC_B);
    await until('the rotated key set', () => inlined(ads)['https://a.example'] === DOC_B);
    assert.ok(controller.pushCount() > pushes);
  });

  it('a new policy\'s key set is fetched before the push that adds it; an unreachable one is unverifiable', async () => {
    docs.set('/c', DOC_A);
    await store.apply(ra('second', 'https://c.example', `${base}/c`));
    await store.apply(ra('third', 'https://d.example', `${base}/missing`));
    await until('the new policies', () => Object.keys(inlined(ads)).length === 3);
    const first = committed.find((p) => inlined(ads, p)['https://c.example'] !== undefined);
    assert.ok(first);
    assert.equal(inlined(ads, first)['https://c.example'], DOC_A, 'never the unverifiable set while the fetch was running');
    assert.equal(inlined(ads)['https://d.example'], UNVERIFIABLE_JWKS);
  });
});
