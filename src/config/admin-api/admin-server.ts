import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PlexusError, type ErrorCode } from '../../api/errors.js';
import type { Resource } from '../../api/resource.js';
import { isSecret, redactSecret, redactSecrets } from '../../api/kinds/secret/redact.js';
import type { ConfigStore } from '../store.js';
import { normalizeId } from '../store-object.js';
import { tokenMatches } from './admin-token.js';
import { jsonNestingExceeds } from './json-depth.js';
import { credentialWarnings } from './credential-warnings.js';
import type { ApplyItem, ApplyItemResult, ApplyRequest, ApplyResponse, DeleteResponse, ErrorBody, ResourceList } from './protocol.js';
import { pluralTypeName, resolveKind } from './resolve-kind.js';

/** Default admin API port: free in Istio's 150xx range, so it sits beside 15010/15012/15014. */
export const DEFAULT_ADMIN_PORT = 15080;

/** Largest request body accepted (a large multi-document apply fits easily). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/**
 * Deepest JSON body accepted: a resource as deep as the YAML parser allows (100 levels) inside
 * the apply envelope, with room to spare. Deeper bodies are refused before parsing.
 */
export const MAX_BODY_DEPTH = 128;
/** How much of a refused body is read and dropped before the connection is cut. */
const MAX_DISCARD_BYTES = 4 * MAX_BODY_BYTES;

/** Options of the admin API server. */
export interface AdminServerOptions {
  store: ConfigStore;
  /** The bearer token every request but /healthz must present. */
  token: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  logger: Logger;
}

/**
 * An endpoint under `/v1/` served by another part of the controller (the CA mints workload
 * tokens at `POST /v1/tokens`). It runs after the bearer token check; a thrown PlexusError
 * becomes the usual JSON error.
 */
export interface AdminRoute {
  methods: readonly string[];
  handle(request: { method: string; body: unknown; query: URLSearchParams }): Promise<{ status: number; body: unknown }>;
}

/** A running admin API. */
export interface AdminServer {
  host: string;
  port: number;
  /** Adds `/v1/<name>`; returns a function that removes it (when its component stops). */
  addRoute(name: string, route: AdminRoute): () => void;
  close(): Promise<void>;
}

/** An HTTP error with the status and stable code it answers with. */
class HttpError extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string, readonly results?: ApplyItemResult[]) {
    super(message);
  }
}

/**
 * Starts the admin API that `plexus apply/get/delete` talk to. It listens on loopback only:
 * the token guards against other local users, the loopback bind against everyone else.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { logger } = options;
  const routes = new Map<string, AdminRoute>();
  const server = createServer((req, res) => {
    handle(req, res, options, routes).catch((err: unknown) => {
      const e = toHttpError(err);
      if (e.status >= 500) logger.error({ err, method: req.method, url: req.url }, 'admin API request failed');
      const body: ErrorBody = { error: { code: e.code, message: e.message } };
      if (e.results) body.results = e.results;
      // A refused body is not kept: node discards what is left of it once the answer is sent
      // (closing at once instead would reset the connection before the client reads the 413).
      send(res, e.status, body, e.status === 401 ? { 'www-authenticate': 'Bearer realm="plexus"' } : {});
    });
  });
  server.keepAliveTimeout = 5000;
  const host = '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot listen on ${host}:${options.port} for the admin API: ${(err as Error).message}`, { cause: err });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host, port }, 'admin API listening');
  return {
    host,
    port,
    addRoute(name, route) {
      routes.set(name, route);
      return () => void (routes.get(name) === route && routes.delete(name));
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions, routes: ReadonlyMap<string, AdminRoute>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'healthz') {
    allow(req, ['GET']);
    send(res, 200, { status: 'ok' });
    return;
  }
  authenticate(req, options.token);
  if (parts[0] !== 'v1') throw new HttpError(404, 'PLEXUS_ERR_NOT_FOUND', `no such endpoint ${url.pathname}`);
  const extra = parts.length === 2 ? routes.get(parts[1]!) : undefined;
  if (extra) {
    allow(req, [...extra.methods]);
    const body = req.method === 'POST' || req.method === 'PUT' ? await readJson(req) : undefined;
    const answer = await extra.handle({ method: req.method ?? 'GET', body, query: url.searchParams });
    send(res, answer.status, answer.body);
    return;
  }
  if (parts.length === 2 && parts[1] === 'apply') {
    allow(req, ['POST']);
    const body = await readJson(req);
    const result = await applyBatch(options, parseApplyRequest(body, url.searchParams.get('dryRun') === 'true'));
    send(res, 200, { ...result, results: result.results.map(redactResult) });
    return;
  }
  if (parts[1] === 'resources' && (parts.length === 3 || parts.length === 4)) {
    const def = resolveKind(parts[2]);
    if (!def) throw new HttpError(404, 'PLEXUS_ERR_UNKNOWN_KIND', `the server doesn't have a resource type ${JSON.stringify(parts[2])}`);
    const namespace = url.searchParams.get('namespace') || undefined;
    if (parts.length === 3) {
      allow(req, ['GET']);
      const items = await options.store.list({ group: def.group, kind: def.kind, namespace: def.namespaced ? namespace : undefined });
      send(res, 200, { apiVersion: 'v1', kind: 'List', items: showSecrets(url, options, def.kind) ? items : redactSecrets(items) } satisfies ResourceList);
      return;
    }
    allow(req, ['GET', 'DELETE']);
    const id = normalizeId({ group: def.group, kind: def.kind, namespace, name: parts[3] });
    const notFound = (): HttpError => new HttpError(404, 'PLEXUS_ERR_NOT_FOUND', `${pluralTypeName(def)} ${JSON.stringify(parts[3])} not found${id.namespace ? ` in namespace ${JSON.stringify(id.namespace)}` : ''}`);
    const current = await options.store.get(id);
    if (!current) throw notFound();
    if (req.method === 'GET') {
      send(res, 200, showSecrets(url, options, def.kind) ? current : redactSecret(current));
      return;
    }
    const expectedVersion = url.searchParams.get('expectedVersion') ?? undefined;
    if (!(await options.store.delete(id, { expectedVersion }))) throw notFound();
    options.logger.info({ kind: def.kind, namespace: id.namespace, name: id.name }, 'deleted');
    send(res, 200, { deleted: redactSecret(current) } satisfies DeleteResponse);
    return;
  }
  throw new HttpError(404, 'PLEXUS_ERR_NOT_FOUND', `no such endpoint ${url.pathname}`);
}

/**
 * Applies a batch: first a dry run of every item (validation and preconditions), and only
 * when all pass, the real writes, so that one bad document applies nothing.
 */
async function applyBatch(options: AdminServerOptions, request: ApplyRequest): Promise<ApplyResponse> {
  const { store, logger } = options;
  const dryRun = request.dryRun ?? false;
  const checked: ApplyItemResult[] = [];
  for (const item of request.items) checked.push(await store.apply(item.resource, { dryRun: true, expectedVersion: item.expectedVersion }));
  const invalid = checked.filter((r) => r.outcome === 'invalid').length;
  if (invalid > 0) throw new HttpError(400, 'PLEXUS_ERR_INVALID_CONFIG', `${invalid} of ${checked.length} resource(s) invalid; nothing was applied`, checked.map(redactResult));
  if (checked.some((r) => r.outcome === 'conflict')) throw new HttpError(409, 'PLEXUS_ERR_CONFLICT', conflictText(checked), checked.map(redactResult));
  await addCredentialWarnings(store, request.items, checked);
  if (dryRun) return { applied: false, dryRun, results: checked };
  const results: ApplyItemResult[] = [];
  for (const item of request.items) {
    const r = await store.apply(item.resource, { expectedVersion: item.expectedVersion });
    results.push(r);
    if (r.outcome === 'created' || r.outcome === 'configured') {
      const m = r.resource.metadata;
      logger.info({ kind: r.resource.kind, namespace: m.namespace, name: m.name, resourceVersion: m.resourceVersion }, r.outcome);
    }
    // Another writer got in between the check and the write: report what was done so far.
    if (r.outcome === 'conflict' || r.outcome === 'invalid') {
      throw new HttpError(r.outcome === 'conflict' ? 409 : 400, r.outcome === 'conflict' ? 'PLEXUS_ERR_CONFLICT' : 'PLEXUS_ERR_INVALID_CONFIG', r.outcome === 'conflict' ? r.message : 'a resource became invalid while applying', results.map(redactResult));
    }
  }
  // The checks' warnings (credentials that name no Secret) go with the written results.
  results.forEach((r, i) => {
    const c = checked[i];
    const extra = c && c.outcome !== 'invalid' && c.outcome !== 'conflict' ? c.warnings : undefined;
    if (extra && (r.outcome === 'created' || r.outcome === 'configured' || r.outcome === 'unchanged')) results[i] = { ...r, warnings: mergeWarnings(r.warnings, extra) };
  });
  return { applied: true, dryRun, results };
}

/** Secret values never leave through the admin API unless asked for (`?showSecrets=true`); a request for them is logged, without them. */
function showSecrets(url: URL, options: AdminServerOptions, kind: string): boolean {
  const show = url.searchParams.get('showSecrets') === 'true';
  if (show && kind === 'Secret') options.logger.info({ path: url.pathname }, 'secret values shown to an authenticated admin client');
  return show;
}

/** An apply result without Secret values (apply echoes the stored object). */
function redactResult(r: ApplyItemResult): ApplyItemResult {
  return 'resource' in r && isSecret(r.resource) ? { ...r, resource: redactSecret(r.resource) } : r;
}

/** Warnings of the same path and text once. */
function mergeWarnings<T extends { path: string; message: string }>(a: readonly T[] | undefined, b: readonly T[]): T[] {
  const out = [...(a ?? [])];
  for (const w of b) if (!out.some((x) => x.path === w.path && x.message === w.message)) out.push(w);
  return out;
}

/** Adds `plexus apply` warnings for credentials that name no Secret (checked against the store and the batch). */
async function addCredentialWarnings(store: ConfigStore, items: readonly ApplyItem[], checked: ApplyItemResult[]): Promise<void> {
  const pending = new Set(items.filter((i) => isSecret(i.resource)).map((i) => `${i.resource.metadata?.namespace ?? 'default'}/${i.resource.metadata?.name}`));
  for (let i = 0; i < items.length; i++) {
    const r = checked[i];
    if (!r || r.outcome === 'invalid' || r.outcome === 'conflict') continue;
    const extra = await credentialWarnings(r.resource, store, pending);
    if (extra.length > 0) checked[i] = { ...r, warnings: mergeWarnings(r.warnings, extra) };
  }
}

function conflictText(results: ApplyItemResult[]): string {
  return results.flatMap((r) => (r.outcome === 'conflict' ? [r.message] : [])).join('; ');
}

function parseApplyRequest(body: unknown, dryRunQuery: boolean): ApplyRequest {
  const b = body as Partial<ApplyRequest> | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.items)) throw new HttpError(400, 'PLEXUS_ERR_PARSE', 'the body must be a JSON object with an "items" array');
  const items: ApplyItem[] = b.items.map((item, i) => {
    if (typeof item !== 'object' || item === null || !('resource' in item)) throw new HttpError(400, 'PLEXUS_ERR_PARSE', `items[${i}] must be an object with a "resource"`);
    if (item.expectedVersion !== undefined && typeof item.expectedVersion !== 'string') throw new HttpError(400, 'PLEXUS_ERR_PARSE', `items[${i}].expectedVersion must be a string`);
    return { resource: item.resource as Resource, expectedVersion: item.expectedVersion };
  });
  return { items, dryRun: dryRunQuery || b.dryRun === true };
}

function authenticate(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new HttpError(401, 'PLEXUS_ERR_UNAUTHENTICATED', 'missing bearer token: send Authorization: Bearer <token from <home>/admin-token>');
  if (!tokenMatches(m[1], token)) throw new HttpError(401, 'PLEXUS_ERR_UNAUTHENTICATED', 'invalid bearer token');
}

function allow(req: IncomingMessage, methods: string[]): void {
  if (!methods.includes(req.method ?? '')) throw new HttpError(405, 'PLEXUS_ERR_USAGE', `method ${req.method ?? '?'} not allowed here; use ${methods.join(' or ')}`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const tooLarge = (): HttpError => new HttpError(413, 'PLEXUS_ERR_TOO_LARGE', `request body larger than ${MAX_BODY_BYTES} bytes; split the apply into smaller batches`);
  // Known from the header: nothing of the body is kept.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    await readBody(req, 0);
    throw tooLarge();
  }
  const chunks = await readBody(req, MAX_BODY_BYTES);
  if (!chunks) throw tooLarge();
  const text = Buffer.concat(chunks).toString('utf8');
  // Before JSON.parse: millions of nested brackets would become millions of objects, and
  // recursive code after it (validation, serialization) would overflow the stack.
  if (jsonNestingExceeds(text, MAX_BODY_DEPTH)) throw new HttpError(400, 'PLEXUS_ERR_TOO_LARGE', `the JSON body is nested deeper than ${MAX_BODY_DEPTH} levels; refused`);
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8's message may quote the input (a Secret's value, say): keep only where it broke.
    const at = /position \d+/.exec((err as Error).message)?.[0];
    throw new HttpError(400, 'PLEXUS_ERR_PARSE', `the body is not valid JSON${at ? ` (at ${at})` : ''}`);
  }
}

/**
 * Reads a request body, keeping at most `keep` bytes: undefined when there was more, after the
 * rest was read and dropped, so that a 413 is answered once the client has sent everything
 * (answering mid-upload resets the connection before the client reads the answer). Past
 * {@link MAX_DISCARD_BYTES} the connection is cut instead.
 */
function readBody(req: IncomingMessage, keep: number): Promise<Buffer[] | undefined> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve([]);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= keep) chunks.push(chunk);
      else chunks.length = 0;
      if (size > keep + MAX_DISCARD_BYTES) {
        req.socket.destroy();
        resolve(undefined);
      }
    });
    req.once('end', () => resolve(size <= keep ? chunks : undefined));
    req.once('error', reject);
    req.once('close', () => resolve(size <= keep ? chunks : undefined));
  });
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof PlexusError) {
    const status = err.code === 'PLEXUS_ERR_CONFLICT' ? 409 : err.code === 'PLEXUS_ERR_NOT_FOUND' ? 404 : err.code === 'PLEXUS_ERR_IO' || err.code === 'PLEXUS_ERR_INTERNAL' ? 500 : 400;
    return new HttpError(status, err.code, err.message);
  }
  return new HttpError(500, 'PLEXUS_ERR_INTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
