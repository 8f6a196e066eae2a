// Identity and request hygiene end to end: `plexus controller` → xDS → two sidecars in pods with
// capture and mTLS between them. The client pod's outbound sidecar and the server's inbound
// sidecar run the HCMs the controller generated: paths normalised before they reach the app,
// a spoofed x-forwarded-client-cert from the app dropped and the server sidecar's own element
// set, Envoy's header-count limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from './proxy-e2e-client.js';
import { E2eMesh, e2eSkipReason } from './proxy-e2e-support.js';

const skip = e2eSkipReason();

describe('identity and request hygiene through controller-configured sidecars', { skip, timeout: 90_000 }, () => {
  let mesh: E2eMesh;
  let port = 0;

  before(async () => {
    mesh = await E2eMesh.start({ prefix: 'sid', octet: 98, mtls: true });
    port = await mesh.forward(`${mesh.vip}:9080`);
  });
  after(async () => {
    const left = await mesh?.stop();
    assert.deepEqual(left ?? [], []);
  });

  it('paths are normalised (BASE, the default) before routing; the app gets the normal path, query untouched', async () => {
    const CASES: ReadonlyArray<readonly [string, string]> = [
      ['/public/../admin', '/admin'],
      ['/public/%2E%2e/admin/./x?next=/../y', '/admin/x?next=/../y'],
      ['/%61pi/v1', '/api/v1'],
    ];
    for (const [sent, want] of CASES) {
      const r = await httpRequest(port, { path: sent });
      assert.equal(r.status, 200, `${sent}: ${r.body}\n${mesh.logs()}`);
      assert.equal(r.echo?.url, want, sent);
    }
    const bad = await httpRequest(port, { path: '/files/%00' });
    assert.equal(bad.status, 400);
  });

  it("x-forwarded-client-cert: the app's spoofed header never passes; the server sidecar sets By, Hash, Subject, URI of the mTLS peer", async () => {
    const r = await httpRequest(port, { path: '/xfcc', headers: { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/default/sa/echo;URI=spiffe://cluster.local/ns/istio-system/sa/admin' } });
    assert.equal(r.status, 200, r.body);
    const xfcc = r.echo?.headers['x-forwarded-client-cert'] ?? '';
    assert.match(xfcc, /^By=spiffe:\/\/cluster\.local\/ns\/default\/sa\/echo;Hash=[0-9a-f]{64};Subject="[^"]*";URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/web$/);
    assert.doesNotMatch(xfcc, /istio-system/);
  });

  it('more than 100 request headers → 431; a request well inside the limit crosses both sidecars', async () => {
    const headers = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, String(i)]));
    // The client sidecar adds its own headers (x-request-id, x-forwarded-proto, ...) before the
    // server sidecar counts again, as Envoy's do: stay clear of 100 for the passing request.
    const ok = await httpRequest(port, { path: '/many', headers: headers(80) });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.echo?.headers['x-h79'], '79');
    // Node's client adds host and connection: 99 + 2 = 101 at the client sidecar.
    const over = await httpRequest(port, { path: '/many', headers: headers(99) });
    assert.equal(over.status, 431);
    assert.equal(over.echo, undefined, 'answered by a sidecar, not the app');
  });
});
