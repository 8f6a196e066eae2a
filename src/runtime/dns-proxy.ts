import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  aRecord,
  cnameRecord,
  decodeDnsMessage,
  DNS_CLASS_IN,
  DnsRcode,
  dnsResponse,
  DnsType,
  encodeDnsMessage,
  errorResponseFromRaw,
  type DnsMessage,
  type DnsRecord,
} from './dns-message.js';
import type { DnsNameTable } from './dns-name-table.js';
import { forwardTcp, forwardUdp, type DnsUpstream } from './dns-upstream.js';
import { readResolvConf } from './resolv-conf.js';
import { defaultRuntimeLogger } from './runtime-log.js';

/** Options of {@link DnsProxy}. */
export interface DnsProxyOptions {
  /** The names the mesh answers; the caller keeps it current with `table.update(…)`. */
  readonly table: DnsNameTable;
  /** Listen address (default 127.0.0.1: the capture rules REDIRECT to loopback). */
  readonly host?: string;
  /** UDP and TCP port (default 15053; 0 picks a free one). */
  readonly port?: number;
  /** Where other names go; default: the nameservers of /etc/resolv.conf (read at start). */
  readonly upstreams?: readonly DnsUpstream[];
  /** Per-upstream attempt timeout (default 2 s); upstreams are tried in order. */
  readonly upstreamTimeoutMs?: number;
  /** TTL of mesh answers (default 30 s, Istio's). */
  readonly ttl?: number;
  /** Forwarded queries in flight at most; beyond it queries get SERVFAIL (default 1024). */
  readonly maxInFlight?: number;
  readonly logger?: Logger;
}

/** Counters for the proxy's own stats. */
export interface DnsProxyStats {
  answeredLocally: number;
  forwarded: number;
  upstreamFailures: number;
  malformed: number;
}

/** Classic DNS over UDP without EDNS fits 512 bytes. */
const UDP_LIMIT = 512;

/**
 * The sidecar's DNS proxy (Istio's port 15053). Captured DNS from the app arrives here over
 * UDP and TCP. A/AAAA questions for mesh names are answered from the name table; every
 * other question is relayed byte for byte to the upstream resolvers, so NXDOMAIN and
 * everything else non-mesh comes only from upstream. The proxy runs as the proxy's uid, so
 * its own upstream queries are not captured again.
 */
export class DnsProxy {
  readonly stats: DnsProxyStats = { answeredLocally: 0, forwarded: 0, upstreamFailures: 0, malformed: 0 };
  private readonly log: Logger;
  private readonly ttl: number;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private upstreams: readonly DnsUpstream[];
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly tcpClients = new Set<Socket>();
  private inFlight = 0;

  constructor(private readonly options: DnsProxyOptions) {
    this.log = options.logger ?? defaultRuntimeLogger('dns-proxy');
    this.ttl = options.ttl ?? 30;
    this.timeoutMs = options.upstreamTimeoutMs ?? 2000;
    this.maxInFlight = options.maxInFlight ?? 1024;
    this.upstreams = options.upstreams ?? [];
  }

  /** Binds UDP and TCP on the same port; resolves with the address. */
  async start(): Promise<AddressInfo> {
    if (this.options.upstreams === undefined) {
      this.upstreams = (await readResolvConf()).nameservers.map((address) => ({ address, port: 53 }));
    }
    const host = this.options.host ?? '127.0.0.1';
    const tcp = createServer((socket) => this.serveTcp(socket));
    tcp.listen({ host, port: this.options.port ?? 15053 });
    await once(tcp, 'listening');
    this.tcp = tcp;
    const address = tcp.address() as AddressInfo;
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    udp.on('message', (msg, rinfo) => void this.serveUdp(msg, rinfo));
    udp.on('error', (err) => this.log.error({ err }, 'DNS proxy UDP socket error'));
    udp.bind(address.port, host);
    await once(udp, 'listening');
    this.udp = udp;
    this.log.info({ host, port: address.port, upstreams: this.upstreams }, 'DNS proxy listening');
    return address;
  }

  /** Closes both sockets and any open TCP connection. */
  async stop(): Promise<void> {
    for (const client of this.tcpClients) client.destroy();
    const closing: Promise<unknown>[] = [];
    if (this.tcp) closing.push(new Promise((resolve) => this.tcp?.close(resolve)));
    if (this.udp) closing.push(new Promise<void>((resolve) => this.udp?.close(() => resolve())));
    await Promise.all(closing);
    this.tcp = undefined;
    this.udp = undefined;
  }

  /** Replaces the upstream resolvers (e.g. after resolv.conf changed). */
  setUpstreams(upstreams: readonly DnsUpstream[]): void {
    this.upstreams = upstreams;
  }

  /**
   * The response to one raw query: from the table when it is a mesh name, else from the
   * upstreams over the same transport. Undefined when the input is not worth answering.
   */
  async resolve(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: DnsMessage;
    try {
      query = decodeDnsMessage(raw);
    } catch (err) {
      this.stats.malformed++;
      this.log.debug({ err }, 'malformed DNS query');
      return errorResponseFromRaw(raw, DnsRcode.FORMERR);
    }
    if (query.flags.qr) return undefined; // a response sent to us: drop, never reflect
    const local = this.answerLocally(query);
    if (local) {
      this.stats.answeredLocally++;
      return local;
    }
    return this.forward(raw, transport);
  }

  private answerLocally(query: DnsMessage): Buffer | undefined {
    const q = query.questions[0];
    if (query.flags.opcode !== 0 || query.questions.length !== 1 || !q || q.class !== DNS_CLASS_IN) return undefined;
    if (q.type !== DnsType.A && q.type !== DnsType.AAAA) return undefined;
    const entry = this.options.table.lookup(q.name);
    if (!entry) return undefined;
    const answers: DnsRecord[] = [];
    // The CNAME owner keeps the client's spelling; the target is the table's name.
    if (entry.cname) answers.push(cnameRecord(q.name, entry.cname, this.ttl));
    const owner = entry.cname ?? q.name;
    if (q.type === DnsType.A) {
      for (const address of entry.ipv4) answers.push(aRecord(owner, address, this.ttl));
    } else {
      for (const address of entry.ipv6) answers.push(aaaaRecord(owner, address, this.ttl));
    }
    // A mesh name without addresses of the asked family gets NOERROR with no answer
    // (NODATA), never NXDOMAIN: the name exists, and upstream must not be asked.
    return encodeDnsMessage(dnsResponse(query, DnsRcode.NOERROR, answers, true));
  }

  private async forward(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (this.inFlight >= this.maxInFlight || this.upstreams.length === 0) {
      this.stats.upstreamFailures++;
      if (this.upstreams.length === 0) this.log.warn('no upstream resolver configured; answering SERVFAIL');
      return errorResponseFromRaw(raw, DnsRcode.SERVFAIL);
    }
    this.inFlight++;
    this.stats.forwarded++;
    try {
      for (const upstream of this.upstreams) {
        try {
          return transport === 'udp' ? await forwardUdp(raw, upstream, this.timeoutMs) : await forwardTcp(raw, upstream, this.timeoutMs);
        } catch (err) {
          this.log.debug({ err, upstream }, 'upstream resolver failed; trying the next');
        }
      }
      this.stats.upstreamFailures++;
      return errorResponseFromRaw(raw, DnsRcode.SERVFAIL);
    } finally {
      this.inFlight--;
    }
  }

  private async serveUdp(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    let response = await this.resolve(msg, 'udp');
    if (!response || !this.udp) return;
    if (response.length > UDP_LIMIT && isLocalAnswer(response)) response = truncated(response);
    this.udp.send(response, rinfo.port, rinfo.address, (err) => {
      if (err) this.log.debug({ err }, 'could not send a DNS answer');
    });
  }

  private serveTcp(socket: Socket): void {
    this.tcpClients.add(socket);
    socket.on('close', () => this.tcpClients.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(30_000, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const size = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + size);
        buffered = buffered.subarray(2 + size);
        void this.resolve(Buffer.from(message), 'tcp').then((response) => {
          if (!response || socket.destroyed) return;
          const length = Buffer.alloc(2);
          length.writeUInt16BE(response.length);
          socket.write(Buffer.concat([length, response]));
        });
      }
    });
  }
}

/** An AAAA record from a textual IPv6 address. */
function aaaaRecord(name: string, address: string, ttl: number): DnsRecord {
  return { name, type: DnsType.AAAA, class: DNS_CLASS_IN, ttl, data: ipv6Bytes(address) };
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const groups = (s: string | undefined): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
  return out;
}

function isLocalAnswer(response: Buffer): boolean {
  return (response.readUInt16BE(2) & 0x0400) !== 0;
}

/** Header and question only, TC set: the client retries over TCP. */
function truncated(response: Buffer): Buffer {
  const msg = decodeDnsMessage(response);
  const out = encodeDnsMessage({ ...msg, answers: [], authorities: [], additionals: [] });
  out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
  return out;
}
