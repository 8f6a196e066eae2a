import { field, isObject, toNumber, toStr } from '../filters/proto-values.js';
import { parseIp, type ParsedIp } from '../listener/ip-address.js';

/** A compiled `config.core.v3.CidrRange`: true when the address lies in the range. */
export type CidrPredicate = (ip: ParsedIp | undefined) => boolean;

/**
 * Compiles a CidrRange once: the prefix parsed and shifted up front, so a match is one shift
 * and compare. Host bits below the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as Envoy
 * does. An address of the other family never matches (IPv4-mapped IPv6 peers count as IPv4).
 */
export function compileCidrRange(raw: unknown, at: string, errors: string[]): CidrPredicate | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a CidrRange is required`);
    return undefined;
  }
  const prefix = toStr(field(raw, 'addressPrefix'));
  if (!prefix) {
    errors.push(`${at}.address_prefix: is required`);
    return undefined;
  }
  const base = parseIp(prefix);
  if (!base) {
    errors.push(`${at}.address_prefix: ${JSON.stringify(prefix)} is not an IP address`);
    return undefined;
  }
  const rawLen = field(raw, 'prefixLen');
  // A UInt32Value wrapper decodes as `{}` when it holds 0.
  const len = rawLen === undefined || (isObject(rawLen) && !('value' in rawLen)) ? 0 : toNumber(rawLen);
  if (len === undefined || !Number.isInteger(len) || len < 0 || len > base.bits) {
    errors.push(`${at}.prefix_len: ${String(toNumber(rawLen) ?? JSON.stringify(rawLen))} is not a prefix length for ${prefix} (0-${base.bits})`);
    return undefined;
  }
  const bits = base.bits;
  if (len === 0) return (ip) => ip !== undefined && ip.bits === bits;
  const shift = BigInt(bits - len);
  const want = base.value >> shift;
  return (ip) => ip !== undefined && ip.bits === bits && ip.value >> shift === want;
}
