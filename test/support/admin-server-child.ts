// A proxy admin server (15000's code) in a process of its own, so a test can run it as any uid:
// prints {"port":N,"uid":U} once listening, "DRAINED" per /drain_listeners and "QUIT" on
// /quitquitquit (then exits 0). Argument: the host to bind (default 127.0.0.1).
import { pino } from 'pino';
import { startAdmin } from '../../src/proxy/admin/admin-server.js';
import { SnapshotHolder } from '../../src/proxy/config/snapshot-holder.js';

const host = process.argv[2] ?? '127.0.0.1';
const logger = pino({ level: 'info' }, pino.destination(2));
const admin = await startAdmin({
  host, port: 0, logger,
  sources: {
    holder: new SnapshotHolder(), metrics: { collect: () => Promise.resolve([]) }, ready: () => true, logger,
    drainListeners: () => {
      process.stdout.write('DRAINED\n');
      return Promise.resolve();
    },
    quit: async () => {
      process.stdout.write('QUIT\n');
      await admin.close();
      process.exit(0);
    },
  },
});
process.stdout.write(`${JSON.stringify({ port: admin.port, uid: process.geteuid?.() })}\n`);
process.on('SIGTERM', () => void admin.close().then(() => process.exit(0)));
