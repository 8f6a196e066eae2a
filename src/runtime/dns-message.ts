/**
 * A small DNS message codec (RFC 1035): enough for a stub-facing proxy that answers A/AAAA
 * from a table and relays everything else byte for byte. Names are decoded with
 * compression; encoding writes names uncompressed (messages stay far below 512 bytes).
 */

/** Record types the proxy looks at. */
export const DnsType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
/** The Internet class. */
export const DNS_CLASS_IN = 1;
/** Response codes. */
export const DnsRcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** The header's flag bits, unpacked. */
export interface DnsFlags {
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
}

/** One question. Names are kept as sent, without the trailing dot. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/**
 * One resource record. `data` is the RDATA; for types whose RDATA is a name (CNAME, NS,
 * PTR) it is re-encoded uncompressed so a record can be copied into another message.
 */
export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: Buffer;
}

/** A whole message. */
export interface DnsMessage {
  readonly id: number;
  readonly flags: DnsFlags;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** A message that does not follow the wire format. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
}

const NAME_RDATA: ReadonlySet<number> = new Set([DnsType.CNAME, DnsType.NS, DnsType.PTR]);

function need(buf: Buffer, offset: number, length: number): void {
  if (offset + length > buf.length) throw new DnsFormatError(`message truncated at byte ${offset}`);
}

/** Reads a possibly compressed name at `offset`; returns it and the offset after it. */
function readName(buf: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    need(buf, offset, 1);
    const len = buf[offset] as number;
    if ((len & 0xc0) === 0xc0) {
      need(buf, offset, 2);
      if (++jumps > 64) throw new DnsFormatError('name compression loop');
      if (end < 0) end = offset + 2;
      offset = ((len & 0x3f) << 8) | (buf[offset + 1] as number);
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`bad label type at byte ${offset}`);
    offset += 1;
    if (len === 0) break;
    need(buf, offset, len);
    length += len + 1;
    if (length > 255) throw new DnsFormatError('name longer than 255 bytes');
    labels.push(buf.toString('latin1', offset, offset + len));
    offset += len;
  }
  return [labels.join('.'), end >= 0 ? end : offset];
}

/** Encodes a name as uncompressed labels. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  if (trimmed.length > 0) {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'latin1');
      if (bytes.length === 0 || bytes.length > 63) throw new DnsFormatError(`bad label "${label}" in ${name}`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsFormatError(`name too long: ${name}`);
  return out;
}

function readRecord(buf: Buffer, start: number): [DnsRecord, number] {
  const [name, afterName] = readName(buf, start);
  need(buf, afterName, 10);
  const type = buf.readUInt16BE(afterName);
  const klass = buf.readUInt16BE(afterName + 2);
  const ttl = buf.readUInt32BE(afterName + 4);
  const rdlength = buf.readUInt16BE(afterName + 8);
  const rdStart = afterName + 10;
  need(buf, rdStart, rdlength);
  let data: Buffer = Buffer.from(buf.subarray(rdStart, rdStart + rdlength));
  if (NAME_RDATA.has(type)) data = encodeName(readName(buf, rdStart)[0]);
  return [{ name, type, class: klass, ttl, data }, rdStart + rdlength];
}

/** Unpacks the 16 flag bits. */
export function decodeFlags(bits: number): DnsFlags {
  return {
    qr: (bits & 0x8000) !== 0,
    opcode: (bits >> 11) & 0xf,
    aa: (bits & 0x0400) !== 0,
    tc: (bits & 0x0200) !== 0,
    rd: (bits & 0x0100) !== 0,
    ra: (bits & 0x0080) !== 0,
    rcode: bits & 0xf,
  };
}

/** Packs flags into 16 bits. */
export function encodeFlags(f: DnsFlags): number {
  return (f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.aa ? 0x0400 : 0) | (f.tc ? 0x0200 : 0)
    | (f.rd ? 0x0100 : 0) | (f.ra ? 0x0080 : 0) | (f.rcode & 0xf);
}

/** Decodes a message; throws DnsFormatError when it is malformed. */
export function decodeDnsMessage(buf: Buffer): DnsMessage {
  need(buf, 0, 12);
  const id = buf.readUInt16BE(0);
  const flags = decodeFlags(buf.readUInt16BE(2));
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)] as const;
  let offset = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const [name, after] = readName(buf, offset);
    need(buf, after, 4);
    questions.push({ name, type: buf.readUInt16BE(after), class: buf.readUInt16BE(after + 2) });
    offset = after + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const [record, after] = readRecord(buf, offset);
      sections[s]!.push(record);
      offset = after;
    }
  }
  return { id, flags, questions, answers: sections[0]!, authorities: sections[1]!, additionals: sections[2]! };
}

/** Encodes a message. */
export function encodeDnsMessage(msg: DnsMessage): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.id, 0);
  header.writeUInt16BE(encodeFlags(msg.flags), 2);
  header.writeUInt16BE(msg.questions.length, 4);
  header.writeUInt16BE(msg.answers.length, 6);
  header.writeUInt16BE(msg.authorities.length, 8);
  header.writeUInt16BE(msg.additionals.length, 10);
  const parts: Buffer[] = [header];
  for (const q of msg.questions) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    parts.push(encodeName(q.name), tail);
  }
  for (const r of [...msg.answers, ...msg.authorities, ...msg.additionals]) {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(r.type, 0);
    fixed.writeUInt16BE(r.class, 2);
    fixed.writeUInt32BE(r.ttl >>> 0, 4);
    fixed.writeUInt16BE(r.data.length, 8);
    parts.push(encodeName(r.name), fixed, r.data);
  }
  return Buffer.concat(parts);
}

/** An A record. */
export function aRecord(name: string, address: string, ttl: number): DnsRecord {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new DnsFormatError(`not an IPv4 address: ${address}`);
  return { name, type: DnsType.A, class: DNS_CLASS_IN, ttl, data: Buffer.from(octets) };
}

/** A CNAME record. */
export function cnameRecord(name: string, target: string, ttl: number): DnsRecord {
  return { name, type: DnsType.CNAME, class: DNS_CLASS_IN, ttl, data: encodeName(target) };
}

/** The address in an A record. */
export function readARecord(record: DnsRecord): string {
  if (record.type !== DnsType.A || record.data.length !== 4) throw new DnsFormatError('not an A record');
  return [...record.data].join('.');
}

/** The target of a CNAME (or NS, PTR) record. */
export function readNameRecord(record: DnsRecord): string {
  return readName(record.data, 0)[0];
}

/** A query for one name (what a stub resolver sends). */
export function dnsQuery(id: number, name: string, type: number, recursionDesired = true): DnsMessage {
  return {
    id,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: recursionDesired, ra: false, rcode: 0 },
    questions: [{ name, type, class: DNS_CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/** The response to `query` with the given code and answers (questions echoed, RD copied). */
export function dnsResponse(query: DnsMessage, rcode: number, answers: readonly DnsRecord[] = [], authoritative = false): DnsMessage {
  return {
    id: query.id,
    flags: { qr: true, opcode: query.flags.opcode, aa: authoritative, tc: false, rd: query.flags.rd, ra: true, rcode },
    questions: query.questions,
    answers,
    authorities: [],
    additionals: [],
  };
}

/**
 * A SERVFAIL (or other error) response built from the raw query when it could not be fully
 * decoded: header id and the question section if it parses, so the client can match it.
 */
export function errorResponseFromRaw(raw: Buffer, rcode: number): Buffer | undefined {
  if (raw.length < 12) return undefined;
  try {
    return encodeDnsMessage(dnsResponse(decodeDnsMessage(raw), rcode));
  } catch {
    const header = Buffer.from(raw.subarray(0, 12));
    const flags = decodeFlags(header.readUInt16BE(2));
    header.writeUInt16BE(encodeFlags({ ...flags, qr: true, ra: true, aa: false, tc: false, rcode }), 2);
    header.fill(0, 4, 12);
    return header;
  }
}
