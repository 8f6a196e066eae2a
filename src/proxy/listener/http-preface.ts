import { METHODS } from 'node:http';

/** What the http inspector learns from the first bytes of a plaintext connection. */
export type HttpPrefaceResult = { readonly kind: 'http'; readonly protocol: 'http/1.0' | 'http/1.1' | 'h2c' } | { readonly kind: 'not-http' } | { readonly kind: 'need-more' };

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/**
 * The methods the HTTP/1 parser knows (llhttp's list, as Envoy's http_parser has it): Envoy's
 * inspector fails on anything else at once, so a client-first protocol such as `ping\n` is
 * not held back waiting for a request line that will never come.
 */
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);
const METHOD_PREFIXES: ReadonlySet<string> = new Set(METHODS.flatMap((m) => Array.from({ length: m.length }, (_, i) => m.slice(0, i + 1))));
/** Envoy gives up looking for the end of the request line after this many bytes. */
const MAX_REQUEST_LINE = 8192;

/**
 * Detects HTTP/1.x (by its request line) or HTTP/2 prior knowledge (by the connection preface),
 * the way Envoy's http_inspector does, so plaintext chains can match `http/1.1` or `h2c`.
 */
export function detectHttp(data: Buffer): HttpPrefaceResult {
  if (data.length === 0) return { kind: 'need-more' };
  const n = Math.min(data.length, H2_PREFACE.length);
  if (data.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
    return n === H2_PREFACE.length ? { kind: 'http', protocol: 'h2c' } : { kind: 'need-more' };
  }
  const eol = data.indexOf('\r\n', 0, 'latin1');
  const line = data.subarray(0, eol < 0 ? Math.min(data.length, MAX_REQUEST_LINE) : eol).toString('latin1');
  const sp = line.indexOf(' ');
  // Fail fast on bytes that cannot start a request line, so non-HTTP protocols are not delayed.
  if (sp < 0 ? !METHOD_PREFIXES.has(line) : !KNOWN_METHODS.has(line.slice(0, sp))) return { kind: 'not-http' };
  if (eol < 0) return data.length >= MAX_REQUEST_LINE ? { kind: 'not-http' } : { kind: 'need-more' };
  const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/1\.([01])$/.exec(line);
  if (!m) return { kind: 'not-http' };
  return { kind: 'http', protocol: m[1] === '0' ? 'http/1.0' : 'http/1.1' };
}
