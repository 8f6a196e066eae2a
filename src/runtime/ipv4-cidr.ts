/** An IPv4 network in CIDR form, with the arithmetic the pod allocator needs. */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
  /** Number of addresses, network and broadcast included. */
  readonly size: number;
}

/** Parses a dotted-quad IPv4 address into an unsigned integer; undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Formats an unsigned integer as a dotted-quad IPv4 address. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** Parses `a.b.c.d/n`; throws a plain Error naming the input when it is not a network address. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const [addr, len, extra] = text.split('/');
  const address = addr === undefined ? undefined : parseIpv4(addr);
  const prefixLength = len !== undefined && /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (address === undefined || extra !== undefined || !(prefixLength >= 0 && prefixLength <= 32)) {
    throw new Error(`${text} is not an IPv4 CIDR (a.b.c.d/n)`);
  }
  const size = 2 ** (32 - prefixLength);
  if (address % size !== 0) throw new Error(`${text} has host bits set; the network is ${formatIpv4(address - (address % size))}/${prefixLength}`);
  return { network: address, prefixLength, size };
}

/** True when `address` lies inside `cidr`. */
export function cidrContains(cidr: Ipv4Cidr, address: string): boolean {
  const value = parseIpv4(address);
  return value !== undefined && value >= cidr.network && value < cidr.network + cidr.size;
}

/** The address `offset` places after the network address (offset 1 is the first host). */
export function cidrHost(cidr: Ipv4Cidr, offset: number): string {
  if (offset < 0 || offset >= cidr.size) throw new Error(`offset ${offset} is outside the network`);
  return formatIpv4(cidr.network + offset);
}

/** `cidr` written back as text. */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}
