// An httpbin-like app for the security tests: every request is answered with JSON echoing the
// method, the path as received, the headers (x-forwarded-client-cert included) and the port;
// /status/N answers N. Usage: node security-httpbin-app.js PORT[,PORT...]
import { createServer } from 'node:http';
import { appListenPorts } from './security-app-ports.js';

/** The JSON body the httpbin app answers with. */
export interface EchoBody {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly port: number;
  readonly pod: string;
}

for (const { declared, port, host } of appListenPorts(process.argv[2])) {
  createServer((req, res) => {
    req.resume();
    const status = /^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1];
    const body: EchoBody = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, port: declared, pod: process.env.POD_NAME ?? '' };
    res.writeHead(status ? Number(status) : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }).listen(port, host);
}
