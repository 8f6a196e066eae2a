// A TCP echo app for the security tests: answers each chunk with "echo " + the chunk.
// Usage: node security-tcp-echo-app.js PORT[,PORT...]
import { createServer } from 'node:net';
import { appListenPorts } from './security-app-ports.js';

for (const { port, host } of appListenPorts(process.argv[2])) {
  createServer((socket) => {
    socket.on('data', (chunk) => socket.write(`echo ${chunk.toString('utf8')}`));
    socket.on('error', () => socket.destroy());
  }).listen(port, host);
}
