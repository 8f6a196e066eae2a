// The client-side "app" of the proxy end-to-end tests: runs inside the client pod as an
// ordinary workload and relays connections that the test (in the host namespace) opens on a
// unix socket. Each connection starts with one line `HOST:PORT\n`; the relay then connects
// from inside the pod — so iptables sends it to the sidecar's 15001 exactly as an app's
// connection would be — and pipes bytes both ways, half-close included (like kubectl
// port-forward, but through the pod's outbound capture).
// Usage: node proxy-e2e-relay.js SOCKET_PATH; prints READY.
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

function relay(client: Socket): void {
  let head = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > 512) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const target = head.subarray(0, nl).toString('utf8');
    const rest = head.subarray(nl + 1);
    const i = target.lastIndexOf(':');
    const upstream = connect({ host: target.slice(0, i), port: Number(target.slice(i + 1)), allowHalfOpen: true });
    upstream.setNoDelay(true);
    if (rest.length > 0) upstream.write(rest);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    // A reset on either side is passed on as a reset (destroy), not as a clean FIN.
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.resetAndDestroy());
    upstream.on('close', (hadError) => { if (hadError) client.destroy(); });
    client.on('close', (hadError) => { if (hadError && !upstream.destroyed) upstream.resetAndDestroy(); });
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
}

const path = process.argv[2];
if (!path) throw new Error('usage: proxy-e2e-relay SOCKET_PATH');
rmSync(path, { force: true });
const server = createServer({ allowHalfOpen: true }, relay);
server.listen(path, () => {
  // The test runs as root, the relay as the app's uid: let both use the socket.
  chmodSync(path, 0o777);
  process.stdout.write('READY\n');
});
