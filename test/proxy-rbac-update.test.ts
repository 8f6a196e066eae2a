// A policy change reaches connections that are already open: the sidecar's pooled inbound
// connections from other sidecars must not keep serving the chain they were accepted on.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { HttpFilterConfig, ListenerConfig, NetworkFilter, ProxySnapshot } from '../src/proxy/config/model.js';
import { RBAC_TYPE_URL } from '../src/proxy/filters/rbac/config.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import { cluster, hcmConfig, ROUTER, route, routeConfig, silent, startUpstream, vhost } from './proxy-http-support.js';

const denyAll: HttpFilterConfig = { name: 'envoy.filters.http.rbac', typeUrl: RBAC_TYPE_URL, config: { rules: {} } };

function snapshotWith(filters: HttpFilterConfig[], upstreamPort: number, network: NetworkFilter[] = []): ProxySnapshot {
  const listener: ListenerConfig = {
    name: 'inbound', address: { address: '0.0.0.0', port: 15006 }, useOriginalDst: false, bindToPort: true, tlsInspector: false, httpInspector: false,
    filterChains: [{ name: 'http', match: {}, filters: [...network, hcmConfig(routeConfig([vhost('app', ['*'], [route({}, { cluster: 'app' })])]), { httpFilters: [...filters, ROUTER] })] }],
  };
  return { listeners: new Map([['inbound', listener]]), routes: new Map(), clusters: new Map([['app', cluster('app', [upstreamPort])]]), endpoints: new Map(), secrets: new Map(), versions: {} };
}

function get(port: number, agent: http.Agent): Promise<{ status: number; socket: unknown; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket, connection: res.headers.connection }));
    });
    req.on('error', reject);
  });
}

describe('RBAC updates on open connections', () => {
  let app: Awaited<ReturnType<typeof startUpstream>>;
  before(async () => {
    app = await startUpstream();
  });
  after(() => app.close());

  it('HTTP/2: the next stream on the same session follows the change', async () => {
    const proxy = new ProxyProcess({ logger: silent, staticSnapshot: snapshotWith([], app.port), bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }), health: false });
    await proxy.start();
    const session = http2.connect(`http://127.0.0.1:${proxy.listeners.address('inbound')!.port}`);
    const status = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ':path': '/' });
        let code = 0;
        stream.on('response', (h) => (code = Number(h[':status'])));
        stream.on('close', () => resolve(code));
        stream.on('error', reject);
        stream.resume();
        stream.end();
      });
    try {
      assert.equal(await status(), 200);
      proxy.holder.replace(snapshotWith([denyAll], app.port));
      assert.equal(await status(), 403);
      // A snapshot without the listener: this request is still answered on the chain it had, then
      // the session is drained (GOAWAY) as Envoy drains a removed listener.
      const gone = new Promise<void>((resolve) => session.once('close', () => resolve()));
      proxy.holder.replace({ ...snapshotWith([], app.port), listeners: new Map() });
      assert.equal(await status(), 403);
      await gone;
      assert.equal(session.closed || session.destroyed, true);
    } finally {
      session.close();
      await proxy.stop();
    }
  });

  it('a change of the network filters in front of the HCM drains the connection: Connection: close, then a new one', async () => {
    const proxy = new ProxyProcess({ logger: silent, staticSnapshot: snapshotWith([], app.port), bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }), health: false });
    await proxy.start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = proxy.listeners.address('inbound')!.port;
      const first = await get(port, agent);
      const denyNetwork: NetworkFilter = { kind: 'network_rbac', statPrefix: 'tcp.', config: { stat_prefix: 'tcp.', rules: {} } };
      proxy.holder.replace(snapshotWith([], app.port, [denyNetwork]));
      const drained = await get(port, agent);
      assert.equal(drained.socket, first.socket, 'answered on the open connection');
      assert.deepEqual([drained.status, drained.connection], [200, 'close']);
      // The next request needs a new connection, which the new network RBAC refuses.
      await assert.rejects(get(port, agent));
      assert.equal(proxy.envoyStats.value('tcp.rbac.denied'), 1);
    } finally {
      agent.destroy();
      await proxy.stop();
    }
  });

  it('a policy added, then removed, applies to the next request on the same keep-alive connection', async () => {
    const proxy = new ProxyProcess({ logger: silent, staticSnapshot: snapshotWith([], app.port), bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }), health: false });
    await proxy.start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = proxy.listeners.address('inbound')!.port;
      const first = await get(port, agent);
      assert.equal(first.status, 200);
      proxy.holder.replace(snapshotWith([denyAll], app.port));
      const second = await get(port, agent);
      assert.equal(second.socket, first.socket, 'the same connection');
      assert.equal(second.status, 403);
      proxy.holder.replace(snapshotWith([], app.port));
      const third = await get(port, agent);
      assert.equal(third.socket, first.socket);
      assert.equal(third.status, 200);
    } finally {
      agent.destroy();
      await proxy.stop();
    }
  });
});
