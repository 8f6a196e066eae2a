/** What the tls inspector learns from the first bytes of a connection. */
export type ClientHelloResult =
  | { readonly kind: 'tls'; readonly serverName?: string; readonly alpn: readonly string[] }
  | { readonly kind: 'not-tls' }
  | { readonly kind: 'need-more' };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;

/** A bounds-checked reader; any overrun throws, which the caller turns into "not TLS". */
class Reader {
  constructor(private readonly buf: Buffer, public pos = 0) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    if (this.remaining < 1) throw new RangeError('short');
    return this.buf[this.pos++];
  }
  u16(): number {
    if (this.remaining < 2) throw new RangeError('short');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    return (this.u8() << 16) | this.u16();
  }
  bytes(n: number): Buffer {
    if (this.remaining < n) throw new RangeError('short');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/**
 * Reassembles the handshake bytes carried by consecutive TLS handshake records (a large
 * ClientHello, e.g. with post-quantum key shares, can span records).
 */
function handshakeBytes(data: Buffer): { bytes: Buffer; complete: boolean } | 'not-tls' {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos + 5 <= data.length) {
    if (data[pos] !== RECORD_HANDSHAKE || data[pos + 1] !== 0x03) return parts.length === 0 ? 'not-tls' : { bytes: Buffer.concat(parts), complete: true };
    const len = data.readUInt16BE(pos + 3);
    if (len === 0 || len > 16384 + 2048) return 'not-tls';
    const end = pos + 5 + len;
    parts.push(data.subarray(pos + 5, Math.min(end, data.length)));
    if (end > data.length) return { bytes: Buffer.concat(parts), complete: false };
    pos = end;
  }
  return { bytes: Buffer.concat(parts), complete: pos >= data.length };
}

/**
 * Parses a ClientHello from the first bytes of a connection without consuming them. Anything
 * that is not a well-formed TLS handshake is reported as `not-tls` (Envoy's `raw_buffer`), so
 * garbage never throws.
 */
export function parseClientHello(data: Buffer): ClientHelloResult {
  if (data.length === 0) return { kind: 'need-more' };
  if (data[0] !== RECORD_HANDSHAKE) return { kind: 'not-tls' };
  if (data.length >= 2 && data[1] !== 0x03) return { kind: 'not-tls' };
  if (data.length < 5) return { kind: 'need-more' };
  const hs = handshakeBytes(data);
  if (hs === 'not-tls') return { kind: 'not-tls' };
  if (hs.bytes.length < 4) return hs.complete ? { kind: 'not-tls' } : { kind: 'need-more' };
  if (hs.bytes[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'not-tls' };
  const bodyLen = hs.bytes.readUIntBE(1, 3);
  if (bodyLen > 0xffff) return { kind: 'not-tls' };
  if (hs.bytes.length < 4 + bodyLen) return { kind: 'need-more' };
  try {
    return parseBody(hs.bytes.subarray(4, 4 + bodyLen));
  } catch {
    return { kind: 'not-tls' };
  }
}

function parseBody(body: Buffer): ClientHelloResult {
  const r = new Reader(body);
  r.u16(); // legacy_version
  r.bytes(32); // random
  r.bytes(r.u8()); // session id
  r.bytes(r.u16()); // cipher suites
  r.bytes(r.u8()); // compression methods
  let serverName: string | undefined;
  let alpn: string[] = [];
  if (r.remaining === 0) return { kind: 'tls', alpn };
  const ext = new Reader(r.bytes(r.u16()));
  while (ext.remaining > 0) {
    const type = ext.u16();
    const data = new Reader(ext.bytes(ext.u16()));
    if (type === EXT_SERVER_NAME) {
      const list = new Reader(data.bytes(data.u16()));
      while (list.remaining > 0) {
        const nameType = list.u8();
        const name = list.bytes(list.u16());
        if (nameType === 0 && serverName === undefined) serverName = name.toString('ascii').toLowerCase();
      }
    } else if (type === EXT_ALPN) {
      const list = new Reader(data.bytes(data.u16()));
      alpn = [];
      while (list.remaining > 0) alpn.push(list.bytes(list.u8()).toString('ascii'));
    }
  }
  return serverName === undefined ? { kind: 'tls', alpn } : { kind: 'tls', serverName, alpn };
}
