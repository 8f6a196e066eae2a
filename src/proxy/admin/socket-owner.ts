import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';

/** One end of a TCP connection. */
export interface SocketEnd {
  readonly address: string;
  readonly port: number;
}

/** The kernel's TCP socket tables of this network namespace. */
const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer: compare IPv4 in dotted form. */
function canonical(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/** Decodes `/proc/net/tcp{,6}`'s `HEXADDR:HEXPORT` (address words in host byte order, little-endian here). */
export function decodeProcAddress(field: string): SocketEnd | undefined {
  const [hex, portHex] = field.split(':');
  if (!hex || !portHex) return undefined;
  const port = parseInt(portHex, 16);
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    // Each 32-bit word is printed as a number: its bytes reversed from network order.
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return { address: bytes.join('.'), port };
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const v6 = groups.join(':');
  // Only the forms we compare against: the IPv4-mapped prefix and full groups.
  if (v6.startsWith('0:0:0:0:0:ffff:')) return { address: `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`, port };
  return { address: v6, port };
}

/** Expands an IPv6 text address to eight unpadded hex groups, as {@link decodeProcAddress} prints them. */
function expandV6(address: string): string {
  if (isIPv4(address)) return address;
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g || '0', 16).toString(16)).join(':');
}

const same = (a: SocketEnd, b: SocketEnd): boolean => a.port === b.port && expandV6(canonical(a.address)) === expandV6(canonical(b.address));

/**
 * Finds, in `/proc/net/tcp` text, the socket whose local end is `local` and remote end is
 * `remote`, and returns its owner's uid (column 8), or undefined when no line matches.
 */
export function findSocketOwner(table: string, local: SocketEnd, remote: SocketEnd): number | undefined {
  // Cheap filter first: a busy host lists many thousand sockets; only lines with both ports matter.
  const localPort = `:${local.port.toString(16).toUpperCase().padStart(4, '0')} `;
  const remotePort = `:${remote.port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const line of table.split('\n')) {
    if (!line.includes(localPort) || !line.includes(remotePort)) continue;
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8 || !cols[0]?.endsWith(':')) continue;
    const l = decodeProcAddress(cols[1]!);
    const r = decodeProcAddress(cols[2]!);
    if (l && r && same(l, local) && same(r, remote)) return Number(cols[7]);
  }
  return undefined;
}

/**
 * The uid of the local process socket that opened a connection to us: the client's end is a
 * socket of this network namespace whose local end is our peer and whose remote end is us.
 * Undefined when the client is not in this namespace (a remote host) or the tables cannot be
 * read (not Linux).
 */
export async function connectingUid(ourEnd: SocketEnd, peer: SocketEnd): Promise<number | undefined> {
  for (const file of TABLES) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const uid = findSocketOwner(text, peer, ourEnd);
    if (uid !== undefined) return uid;
  }
  return undefined;
}
