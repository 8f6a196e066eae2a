import type { HeaderMap } from '../../http/header-map.js';
import type { AbortLike, PickContext } from '../../upstream/upstream-http-types.js';

/** One end of the downstream connection as the check request describes it. */
export interface CheckPeer {
  readonly address: string;
  readonly port: number;
  /** SPIFFE id (URI SAN) of the peer's or the proxy's certificate, when there is one. */
  readonly principal?: string;
  /** URL-encoded PEM of the peer certificate (`include_peer_certificate`). */
  readonly certificate?: string;
}

/** What a check client needs to know about the request being authorized. */
export interface CheckInput {
  readonly method: string;
  /** Path with query, as received. */
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** `HTTP/1.1` or `HTTP/2`. */
  readonly protocol: string;
  /** The request headers as they stand after earlier filters (lower-case, no pseudo-headers). */
  readonly headers: HeaderMap;
  readonly requestId?: string;
  /** The buffered body when `with_request_body` applies; `partial` when it was cut at the limit. */
  readonly body?: { readonly bytes: Buffer; readonly partial: boolean; readonly packAsBytes: boolean };
  readonly source: CheckPeer;
  readonly destination: CheckPeer;
  readonly sni?: string;
  readonly contextExtensions: Readonly<Record<string, string>>;
  /** Dynamic metadata namespaces selected by `metadata_context_namespaces`. */
  readonly metadataContext?: Readonly<Record<string, Record<string, unknown>>>;
  /** Aborted when the downstream goes away. */
  readonly signal: AbortLike;
  readonly pick: PickContext;
}

/** How a header from the authorization server changes a header map (Envoy's HeaderValueOption). */
export type HeaderAction = 'overwrite' | 'append' | 'add-if-absent' | 'overwrite-if-exists';

/** One header change. */
export interface HeaderChange {
  readonly name: string;
  readonly value: string;
  readonly action: HeaderAction;
}

/** The server allowed the request, possibly with changes to it and to the response. */
export interface CheckOk {
  readonly kind: 'ok';
  /** Changes to the request going upstream. */
  readonly requestHeaders: readonly HeaderChange[];
  readonly removeRequestHeaders: readonly string[];
  /** Headers added to the response sent to the client. */
  readonly responseHeaders: readonly HeaderChange[];
  readonly querySet?: readonly (readonly [string, string])[];
  readonly queryRemove?: readonly string[];
  /** Written to the `envoy.filters.http.ext_authz` metadata namespace. */
  readonly dynamicMetadata?: Record<string, unknown>;
}

/** The server denied the request: this is what the client gets. */
export interface CheckDenied {
  readonly kind: 'denied';
  readonly status: number;
  readonly headers: readonly HeaderChange[];
  readonly body: string;
  readonly dynamicMetadata?: Record<string, unknown>;
}

/** No decision: the server could not be reached, timed out, or answered with an error. */
export interface CheckError {
  readonly kind: 'error';
  /** Short cause for logs (`timeout`, `UF connection_refused`, `http 503`, `grpc 14`). */
  readonly reason: string;
}

/** The outcome of one check. */
export type CheckResult = CheckOk | CheckDenied | CheckError;

/** An ext_authz transport: HTTP or gRPC. Never rejects: failures are `{kind: 'error'}`. */
export interface CheckClient {
  check(input: CheckInput): Promise<CheckResult>;
}
