// Calls a loopback admin port as whatever user runs it (a test starts it with setpriv):
// `node admin-post-client.js HOST PORT METHOD PATH...`; prints one JSON array of
// {path, status, body}, one entry per path, in order.
import { request } from 'node:http';

const [host = '127.0.0.1', port = '0', method = 'POST', ...paths] = process.argv.slice(2);

function call(path: string): Promise<{ path: string; status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ path, status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => resolve({ path, status: -1, body: err.message }));
    req.end();
  });
}

const out = [];
for (const p of paths) out.push(await call(p));
process.stdout.write(`${JSON.stringify(out)}\n`);
