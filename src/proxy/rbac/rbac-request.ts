import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { HeaderMap } from '../http/header-map.js';
import { parseIp, type ParsedIp } from '../listener/ip-address.js';
import type { DynamicMetadata } from '../matchers/metadata-matcher.js';

/** The HTTP side of what RBAC looks at; absent for the network filter. */
export interface RbacHttpFacts {
  readonly method: string;
  /** `:path`, query string included. */
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: HeaderMap;
}

// `undefined` is a valid parse result (not an IP), so "not parsed yet" needs its own mark.
const UNPARSED = Symbol('unparsed');
type Lazy = ParsedIp | undefined | typeof UNPARSED;

/**
 * One request (or connection) as RBAC sees it. Built once per filter run; the addresses are
 * parsed only when a policy asks for them, so policies without IP rules cost no parsing.
 */
export class RbacRequest {
  private direct: Lazy = UNPARSED;
  private remote: Lazy = UNPARSED;
  private destination: Lazy = UNPARSED;
  private pathOnly: string | undefined;

  constructor(
    readonly connection: ConnectionInfo,
    readonly http: RbacHttpFacts | undefined,
    /** The client address after the XFF rules (Envoy's remote address); the peer on TCP. */
    private readonly remoteAddress: string,
    /** Read at match time: earlier filters (jwt_authn) and the shadow engine may have written. */
    private readonly metadataOf: () => DynamicMetadata | undefined,
  ) {}

  /** The peer of the downstream connection (`direct_remote_ip`, `source_ip`). */
  get directRemoteIp(): ParsedIp | undefined {
    if (this.direct === UNPARSED) this.direct = parseIp(this.connection.remoteAddress);
    return this.direct;
  }

  /** The client as trusted after x-forwarded-for processing (`remote_ip`). */
  get remoteIp(): ParsedIp | undefined {
    if (this.remote === UNPARSED) this.remote = this.remoteAddress === this.connection.remoteAddress ? this.directRemoteIp : parseIp(this.remoteAddress);
    return this.remote;
  }

  /** The address the client connected to: the original destination under capture (`destination_ip`). */
  get destinationIp(): ParsedIp | undefined {
    if (this.destination === UNPARSED) this.destination = parseIp(this.connection.originalDestination.address);
    return this.destination;
  }

  /** `:path` without query string and fragment (what `url_path` matches); undefined on TCP. */
  get urlPath(): string | undefined {
    if (this.pathOnly === undefined && this.http) this.pathOnly = stripQueryAndFragment(this.http.path);
    return this.pathOnly;
  }

  get destinationPort(): number {
    return this.connection.originalDestination.port;
  }

  get metadata(): DynamicMetadata | undefined {
    return this.metadataOf();
  }

  /**
   * A request header as Envoy's matchers see it: pseudo-headers included, repeated values
   * joined with ",". Undefined when absent, and always on TCP (Envoy matches against empty headers).
   */
  header(name: string): string | undefined {
    const http = this.http;
    if (!http) return undefined;
    switch (name) {
      case ':method':
        return http.method;
      case ':path':
        return http.path;
      // Envoy keeps Host only as :authority, so a matcher on `host` finds nothing (the HCM drops it too).
      case ':authority':
        return http.authority;
      case ':scheme':
        return http.scheme;
      default: {
        const v = http.headers[name];
        if (v === undefined) return undefined;
        return Array.isArray(v) ? v.join(',') : v;
      }
    }
  }
}

function stripQueryAndFragment(path: string): string {
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  const end = q === -1 ? h : h === -1 ? q : Math.min(q, h);
  return end === -1 ? path : path.slice(0, end);
}
