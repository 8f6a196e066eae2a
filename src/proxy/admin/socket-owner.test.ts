import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connectingUid, decodeProcAddress, findSocketOwner } from './socket-owner.js';

describe('socket owner from /proc/net/tcp', () => {
  const decodes: Array<[string, string, number]> = [
    ['0100007F:1F90', '127.0.0.1', 8080],
    ['00000000:3A98', '0.0.0.0', 15000],
    ['00000000000000000000000001000000:0050', '0:0:0:0:0:0:0:1', 80],
    ['0000000000000000FFFF00000100007F:3A98', '127.0.0.1', 15000],
  ];
  for (const [field, address, port] of decodes) {
    it(`decodes ${field}`, () => assert.deepEqual(decodeProcAddress(field), { address, port }));
  }

  it('finds the uid of the socket with the given ends, in either address family spelling', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:3A98 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
      '   1: 0100007F:C350 0100007F:3A98 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1',
    ].join('\n');
    assert.equal(findSocketOwner(table, { address: '127.0.0.1', port: 50000 }, { address: '127.0.0.1', port: 15000 }), 1000);
    assert.equal(findSocketOwner(table, { address: '::ffff:127.0.0.1', port: 50000 }, { address: '::ffff:127.0.0.1', port: 15000 }), 1000);
    assert.equal(findSocketOwner(table, { address: '127.0.0.1', port: 50001 }, { address: '127.0.0.1', port: 15000 }), undefined);
  });

  for (const host of ['127.0.0.1', '::1']) {
    it(`names this process's uid for a real connection on ${host}`, async () => {
      const accepted: Socket[] = [];
      const server = createServer((s) => accepted.push(s));
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      const client = connect((server.address() as AddressInfo).port, host);
      await new Promise<void>((resolve) => client.once('connect', resolve));
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
      const s = accepted[0]!;
      const uid = await connectingUid({ address: s.localAddress!, port: s.localPort! }, { address: s.remoteAddress!, port: s.remotePort! });
      assert.equal(uid, process.geteuid!());
      client.destroy();
      s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }
});
