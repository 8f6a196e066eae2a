import type { HeaderMap } from '../../http/header-map.js';
import { parseQuery, splitPath } from '../../router/route-request.js';
import type { JwtProviderConfig } from './config.js';

/** The issuers that configured one token location; empty issuer in a provider means any. */
export class IssuerChecker {
  private allowAll = false;
  private readonly issuers = new Set<string>();

  add(issuer: string): void {
    if (issuer === '') this.allowAll = true;
    else this.issuers.add(issuer);
  }

  allows(issuer: string): boolean {
    return this.allowAll || this.issuers.has(issuer);
  }
}

/** One token found in a request, with where it came from (to remove it when not forwarded). */
export interface ExtractedToken {
  readonly token: string;
  readonly issuers: IssuerChecker;
  readonly from: { readonly kind: 'header'; readonly name: string } | { readonly kind: 'param'; readonly name: string } | { readonly kind: 'cookie'; readonly name: string };
}

/** What the extractor reads from and may change in a request. */
export interface TokenSource {
  readonly headers: HeaderMap;
  /** `:path` with the query string. */
  readonly path: string;
}

const JWT_CHARS = /[A-Za-z0-9\-_.]/;

// Envoy skips to the first base64url (or dot) character after the prefix; with none, the whole value.
function fromValue(value: string, after: number): string {
  for (let i = after; i < value.length; i++) if (JWT_CHARS.test(value[i]!)) return value.slice(i);
  return value;
}

function cookies(headers: HeaderMap, wanted: ReadonlyMap<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const raw = headers['cookie'];
  if (raw === undefined) return out;
  for (const line of Array.isArray(raw) ? raw : [raw]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim();
      if (!wanted.has(name) || out.has(name)) continue;
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      out.set(name, value);
    }
  }
  return out;
}

/**
 * Envoy's token extractor for one provider or a set of them: header locations (name + value
 * prefix), query parameters and cookies, each remembering which issuers configured it. A provider
 * with no location uses `Authorization: Bearer` and `?access_token=`. Also knows the headers the
 * providers write (payload and claim headers), which are removed from incoming requests so a
 * client cannot forge them.
 */
export class TokenExtractor {
  private readonly headerLocations = new Map<string, { name: string; prefix: string; issuers: IssuerChecker }>();
  private readonly paramLocations = new Map<string, IssuerChecker>();
  private readonly cookieLocations = new Map<string, IssuerChecker>();
  private readonly sanitize: string[] = [];

  constructor(providers: readonly JwtProviderConfig[]) {
    for (const p of providers) this.addProvider(p);
  }

  private addProvider(p: JwtProviderConfig): void {
    for (const h of p.fromHeaders) this.addHeader(p.issuer, h.name, h.valuePrefix);
    for (const q of p.fromParams) this.add(this.paramLocations, q, p.issuer);
    for (const c of p.fromCookies) this.add(this.cookieLocations, c, p.issuer);
    if (p.fromHeaders.length === 0 && p.fromParams.length === 0 && p.fromCookies.length === 0) {
      this.addHeader(p.issuer, 'authorization', 'Bearer ');
      this.add(this.paramLocations, 'access_token', p.issuer);
    }
    if (p.forwardPayloadHeader) this.sanitize.push(p.forwardPayloadHeader);
    for (const c of p.claimToHeaders) this.sanitize.push(c.headerName);
  }

  private addHeader(issuer: string, name: string, prefix: string): void {
    const key = `${name}\n${prefix}`;
    let loc = this.headerLocations.get(key);
    if (!loc) {
      loc = { name, prefix, issuers: new IssuerChecker() };
      this.headerLocations.set(key, loc);
    }
    loc.issuers.add(issuer);
  }

  private add(map: Map<string, IssuerChecker>, key: string, issuer: string): void {
    let checker = map.get(key);
    if (!checker) {
      checker = new IssuerChecker();
      map.set(key, checker);
    }
    checker.add(issuer);
  }

  /** Removes the headers this extractor's providers write, before any token is verified. */
  sanitizeHeaders(headers: HeaderMap): void {
    for (const h of this.sanitize) delete headers[h];
  }

  /** Every token in the request, in Envoy's order: headers, then query parameters, then cookies. */
  extract(req: TokenSource): ExtractedToken[] {
    const out: ExtractedToken[] = [];
    for (const loc of this.headerLocations.values()) {
      const raw = req.headers[loc.name];
      if (raw === undefined) continue;
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        let token = value;
        if (loc.prefix !== '') {
          const pos = value.indexOf(loc.prefix);
          if (pos < 0) continue;
          token = fromValue(value, pos + loc.prefix.length);
        }
        out.push({ token, issuers: loc.issuers, from: { kind: 'header', name: loc.name } });
      }
    }
    if (this.paramLocations.size > 0) {
      const query = splitPath(req.path).query;
      if (query !== undefined) {
        const params = parseQuery(query);
        for (const [name, issuers] of this.paramLocations) {
          const v = params.get(name);
          if (v !== undefined) out.push({ token: v, issuers, from: { kind: 'param', name } });
        }
      }
    }
    if (this.cookieLocations.size > 0) {
      const found = cookies(req.headers, this.cookieLocations);
      for (const [name, issuers] of this.cookieLocations) {
        const v = found.get(name);
        if (v !== undefined) out.push({ token: v, issuers, from: { kind: 'cookie', name } });
      }
    }
    return out;
  }
}

/** The path without one query parameter (every occurrence), as Envoy rewrites `:path`. */
export function removeQueryParam(path: string, name: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const hash = path.indexOf('#', q);
  const query = path.slice(q + 1, hash < 0 ? undefined : hash);
  const kept = query.split('&').filter((part) => {
    if (part === '') return false;
    const eq = part.indexOf('=');
    let key = eq < 0 ? part : part.slice(0, eq);
    try {
      key = decodeURIComponent(key);
    } catch {
      // A name that does not decode is compared as sent.
    }
    return key !== name;
  });
  return kept.length > 0 ? `${path.slice(0, q)}?${kept.join('&')}` : path.slice(0, q);
}
