import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/** A DNS server to forward to. */
export interface DnsUpstream {
  readonly address: string;
  readonly port: number;
}

/**
 * Sends a raw query to one upstream over UDP and resolves with the raw response whose id
 * matches, from that upstream's address. A fresh socket per query gives every query its own
 * random source port (spoofing resistance, and no demultiplexing needed).
 */
export function forwardUdp(query: Buffer, upstream: DnsUpstream, timeoutMs: number): Promise<Buffer> {
  const family = upstream.address.includes(':') ? 'udp6' : 'udp4';
  return new Promise((resolve, reject) => {
    const socket = createSocket(family);
    const id = query.readUInt16BE(0);
    const done = (err: Error | undefined, response?: Buffer): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(response as Buffer);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${upstream.address}:${upstream.port} over UDP within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg, rinfo) => {
      // Ignore stray datagrams: only the upstream's answer to this id counts.
      if (rinfo.address !== upstream.address || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      done(undefined, msg);
    });
    socket.send(query, upstream.port, upstream.address, (err) => {
      if (err) done(err);
    });
  });
}

/** Sends a raw query to one upstream over TCP (two-byte length framing) and resolves with the raw response. */
export function forwardTcp(query: Buffer, upstream: DnsUpstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: upstream.address, port: upstream.port });
    let buffered = Buffer.alloc(0);
    const done = (err: Error | undefined, response?: Buffer): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(response as Buffer);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${upstream.address}:${upstream.port} over TCP within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length >= 2 + size) done(undefined, buffered.subarray(2, 2 + size));
    });
    socket.on('end', () => done(new Error(`${upstream.address}:${upstream.port} closed the TCP connection without an answer`)));
  });
}
