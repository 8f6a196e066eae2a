// Helper processes for the runtime tests, started inside pods with `ip netns exec`. Each role
// prints one line `READY` when it listens (servers) or one JSON line with its result (clients).
// Usage: node runtime-child.js <role> <json-args>
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect, createServer, type Socket } from 'node:net';
import { aRecord, decodeDnsMessage, DnsRcode, dnsQuery, dnsResponse, DnsType, encodeDnsMessage, readARecord } from '../src/runtime/dns-message.js';
import { DnsNameTable } from '../src/runtime/dns-name-table.js';
import { DnsProxy } from '../src/runtime/dns-proxy.js';
import { originalDestination } from '../src/runtime/original-dst.js';

const [role = '', rawArgs = '{}'] = process.argv.slice(2);
const args = JSON.parse(rawArgs) as Record<string, unknown>;
const out = (value: unknown): void => void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);

function listen(port: number, onSocket: (s: Socket) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer(onSocket);
    server.on('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
}

/** Reads everything a TCP server sends until it closes. */
function fetchBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timeout talking to ${host}:${port}`)); }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { text += d; });
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.on('close', () => { clearTimeout(timer); resolve(text); });
  });
}

async function main(): Promise<void> {
  switch (role) {
    // TCP servers that answer with a banner naming themselves and close.
    case 'banner-servers': {
      for (const [port, banner] of Object.entries(args.servers as Record<string, string>)) {
        await listen(Number(port), (s) => s.end(`${banner}\n`));
      }
      out('READY');
      break;
    }
    // A minimal capture proxy: on 15001/15006 it reports the original destination, then
    // relays what the real destination (outbound) or the local app (inbound) sends.
    case 'capture-proxy': {
      const podCidrPrefix = args.podPrefix as string;
      const relay = (client: Socket, listener: number, target: (od: { address: string; port: number }) => { host: string; port: number } | undefined): void => {
        let od;
        try {
          od = originalDestination(client);
        } catch (err) {
          client.end(`${JSON.stringify({ listener, error: (err as Error).message })}\n`);
          return;
        }
        client.write(`${JSON.stringify({ listener, od, uid: process.getuid?.() })}\n`);
        const to = target(od);
        if (!to) {
          client.end();
          return;
        }
        fetchBanner(to.host, to.port, 3000).then((text) => client.end(text), (err: Error) => client.end(`relay failed: ${err.message}\n`));
      };
      await listen(15001, (c) => relay(c, 15001, (od) => (od.address.startsWith(podCidrPrefix) ? { host: od.address, port: od.port } : undefined)));
      await listen(15006, (c) => relay(c, 15006, (od) => ({ host: '127.0.0.1', port: od.port })));
      await listen(15021, (c) => c.end('sidecar-ready\n'));
      out('READY');
      break;
    }
    case 'fetch': {
      try {
        out({ text: await fetchBanner(args.host as string, args.port as number, (args.timeoutMs as number | undefined) ?? 4000), uid: process.getuid?.() });
      } catch (err) {
        out({ error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
      break;
    }
    // An authoritative test upstream: fixed A records, NXDOMAIN otherwise; logs each name it is asked.
    case 'dns-upstream': {
      const records = args.records as Record<string, string>;
      const answer = (raw: Buffer): Buffer => {
        const query = decodeDnsMessage(raw);
        const q = query.questions[0];
        out({ asked: q?.name, type: q?.type });
        const address = q ? records[q.name.toLowerCase()] : undefined;
        if (!q || address === undefined) return encodeDnsMessage(dnsResponse(query, DnsRcode.NXDOMAIN, [], true));
        return encodeDnsMessage(dnsResponse(query, DnsRcode.NOERROR, q.type === DnsType.A ? [aRecord(q.name, address, 60)] : [], true));
      };
      const udp = createSocket('udp4');
      udp.on('message', (msg, rinfo) => udp.send(answer(msg), rinfo.port, rinfo.address));
      await new Promise<void>((resolve) => udp.bind(53, '0.0.0.0', () => resolve()));
      await listen(53, (s) => {
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const reply = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            s.end(Buffer.concat([len, reply]));
          }
        });
      });
      out('READY');
      break;
    }
    case 'dns-proxy': {
      const table = new DnsNameTable({ proxyNamespace: args.namespace as string, searchDomains: args.search as string[] });
      table.update(args.hosts as Array<{ hostname: string; addresses: string[] }>);
      const proxy = new DnsProxy({ table, upstreamTimeoutMs: 1500 });
      await proxy.start();
      out('READY');
      break;
    }
    // Resolves names the way applications do: getaddrinfo, so resolv.conf search and ndots apply.
    case 'lookup': {
      const results: Record<string, string> = {};
      for (const name of args.names as string[]) {
        try {
          results[name] = (await lookup(name, { family: 4 })).address;
        } catch (err) {
          results[name] = (err as NodeJS.ErrnoException).code ?? 'error';
        }
      }
      out(results);
      break;
    }
    // One raw query over TCP or UDP to a given server; reports rcode and A answers.
    case 'dns-query': {
      const query = encodeDnsMessage(dnsQuery(0x4242, args.name as string, DnsType.A));
      const server = { host: args.server as string, port: 53 };
      let raw: Buffer;
      if (args.transport === 'tcp') {
        raw = await new Promise<Buffer>((resolve, reject) => {
          const s = connect(server);
          let buf = Buffer.alloc(0);
          const len = Buffer.alloc(2);
          len.writeUInt16BE(query.length);
          s.on('connect', () => s.write(Buffer.concat([len, query])));
          const timer = setTimeout(() => { s.destroy(); reject(new Error('tcp query timeout')); }, 4000);
          s.on('data', (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { clearTimeout(timer); s.destroy(); resolve(buf.subarray(2, 2 + buf.readUInt16BE(0))); }
          });
          s.on('error', (err) => { clearTimeout(timer); reject(err); });
        });
      } else {
        raw = await new Promise<Buffer>((resolve, reject) => {
          const s = createSocket('udp4');
          const timer = setTimeout(() => { s.close(); reject(new Error('udp query timeout')); }, 4000);
          s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
          s.send(query, 53, server.host);
        });
      }
      const msg = decodeDnsMessage(raw);
      out({ rcode: msg.flags.rcode, aa: msg.flags.aa, answers: msg.answers.filter((a) => a.type === DnsType.A).map(readARecord) });
      break;
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
