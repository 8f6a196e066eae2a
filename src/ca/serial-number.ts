import { randomBytes } from 'node:crypto';

/** A random positive 128-bit serial number in hex, as RFC 5280 §4.1.2.2 recommends (≤ 20 octets). */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // keep the DER INTEGER positive
  bytes[0] |= 0x01; // and free of a leading zero octet
  return bytes.toString('hex');
}
