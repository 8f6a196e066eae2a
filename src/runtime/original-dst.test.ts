import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { it } from 'node:test';
import { originalDestination, originalDstStatus } from './original-dst.js';

it('reports whether the addon is there, and reads an un-redirected socket as an errno error', async (t) => {
  const status = originalDstStatus();
  if (!status.available) {
    // The loader must say what to do, never throw on import.
    assert.match(status.reason, /build-native|Linux|could not be loaded/);
    // CI installs a C toolchain and builds the addon: there, a missing addon is a failure.
    assert.ok(!process.env.CI, `CI must build the SO_ORIGINAL_DST addon: ${status.reason}`);
    t.skip(status.reason);
    return;
  }
  assert.match(status.path, /plexus_original_dst\.node$/);
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = await accepted;
  // Not redirected: conntrack has no NAT entry (ENOENT), or tracks the real destination.
  try {
    const od = originalDestination(socket);
    assert.equal(od.address, '127.0.0.1');
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
  }
  socket.destroy();
  assert.throws(() => originalDestination(socket), { code: 'PLEXUS_ERR_CAPTURE_UNAVAILABLE' });
  client.destroy();
  server.close();
});
