/**
 * Request and response headers as the proxy handles them: lower-case names, no pseudo-headers
 * (`:method`, `:path`, ... travel separately), and repeated headers kept as arrays so that
 * `set-cookie` and friends survive the trip unjoined.
 */
export type HeaderMap = Record<string, string | string[]>;

/** Builds a HeaderMap from Node's flat `rawHeaders` list, dropping pseudo-headers. */
export function headersFromRaw(raw: readonly string[]): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(':')) continue;
    appendHeader(out, name, raw[i + 1]!);
  }
  return out;
}

/** Copies a Node `IncomingHttpHeaders`-like object (h2 responses, trailers) into a HeaderMap. */
export function headersFromObject(obj: Readonly<Record<string, string | string[] | number | undefined>> | undefined): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  if (!obj) return out;
  // for...in, not Object.entries: no [key, value] array per header on the request path.
  for (const key in obj) {
    const value = obj[key];
    const name = key.toLowerCase();
    if (name.startsWith(':') || value === undefined) continue;
    out[name] = Array.isArray(value) ? [...value] : String(value);
  }
  return out;
}

/** A shallow copy (arrays copied too), so mutations of the copy never reach the original. */
export function cloneHeaders(headers: HeaderMap): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  for (const k in headers) {
    const v = headers[k]!;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** The header's values joined with `,` (how Envoy's matchers see repeated headers), or undefined. */
export function getHeader(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** The first value of a header. */
export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Adds one more value, keeping the existing ones. */
export function appendHeader(headers: HeaderMap, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[name] = [existing, value];
}

/** Total size of names and values, roughly what the header block costs on the wire. */
export function headersSize(headers: HeaderMap): number {
  let size = 0;
  for (const k in headers) {
    const v = headers[k]!;
    if (Array.isArray(v)) for (const value of v) size += k.length + value.length + 4;
    else size += k.length + v.length + 4;
  }
  return size;
}
