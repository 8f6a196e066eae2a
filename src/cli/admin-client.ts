import { request } from 'node:http';
import { PlexusError, type ErrorCode } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import { readAdminToken } from '../config/admin-api/admin-token.js';
import { isProcessAlive, readControllerInfo, type ControllerInfo } from '../config/admin-api/controller-info.js';
import type { ApplyItem, ApplyItemResult, ApplyResponse, DeleteResponse, ErrorBody, ResourceList } from '../config/admin-api/protocol.js';

/** How long one admin request may take before the CLI gives up. */
const REQUEST_TIMEOUT_MS = 30_000;

/** An error answer of the admin API, with its HTTP status and, for apply, the per-item results. */
export class AdminApiError extends PlexusError {
  constructor(readonly status: number, code: ErrorCode, message: string, readonly results?: ApplyItemResult[]) {
    super(code, message);
  }
}

/** The answer of `POST /v1/tokens`. */
export interface MintedToken {
  token: string;
  namespace: string;
  serviceAccount: string;
  trustDomain: string;
  expiresAt: string;
}

/**
 * The CLI's side of the admin API. `connect` finds the controller of a home directory
 * through controller.json and the token file, and explains what is wrong when it cannot.
 */
export class AdminClient {
  private constructor(readonly home: string, readonly info: ControllerInfo, private readonly token: string) {}

  static connect(home: string): AdminClient {
    const start = `start one with \`plexus controller --home ${home}\``;
    const info = readControllerInfo(home);
    if (!info) throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `no Plexus controller is running for ${home} (no readable controller.json); ${start}`);
    if (!isProcessAlive(info.pid)) {
      throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `no Plexus controller is running for ${home} (controller.json names pid ${info.pid}, which has exited); ${start}`);
    }
    return new AdminClient(home, info, readAdminToken(home));
  }

  apply(items: ApplyItem[], dryRun: boolean): Promise<ApplyResponse> {
    return this.call<ApplyResponse>('POST', `/v1/apply${dryRun ? '?dryRun=true' : ''}`, { items, dryRun });
  }

  /** One object; Secret values come back `[redacted]` unless `showSecrets`. */
  get(kind: string, name: string, namespace?: string, showSecrets = false): Promise<Resource> {
    return this.call<Resource>('GET', `/v1/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}${query({ namespace, showSecrets: showSecrets ? 'true' : undefined })}`);
  }

  /** Objects of a kind; Secret values come back `[redacted]` unless `showSecrets`. */
  list(kind: string, namespace?: string, showSecrets = false): Promise<ResourceList> {
    return this.call<ResourceList>('GET', `/v1/resources/${encodeURIComponent(kind)}${query({ namespace, showSecrets: showSecrets ? 'true' : undefined })}`);
  }

  delete(kind: string, name: string, namespace?: string): Promise<DeleteResponse> {
    return this.call<DeleteResponse>('DELETE', `/v1/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}${query({ namespace })}`);
  }

  /** Mints a workload bootstrap token (`POST /v1/tokens`); ttl in seconds. */
  mintToken(request: { namespace: string; serviceAccount: string; ttl?: number; workload?: string }): Promise<MintedToken> {
    return this.call<MintedToken>('POST', '/v1/tokens', request);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { host, port } = this.info.admin;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request({
        host, port, method, path, timeout: REQUEST_TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `the controller at ${host}:${port} answered ${res.statusCode ?? '?'} with a body that is not JSON; is something else listening there?`));
            return;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(parsed as T);
            return;
          }
          const err = (parsed as ErrorBody).error;
          const message = status === 401
            ? `the controller at ${host}:${port} refused the admin token in ${this.home} (${err?.message ?? 'unauthenticated'})`
            : err?.message ?? `HTTP ${status}`;
          reject(new AdminApiError(status, err?.code ?? 'PLEXUS_ERR_INTERNAL', message, (parsed as ErrorBody).results));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
        reject(new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `cannot reach the Plexus controller (pid ${this.info.pid}) at ${host}:${port}: ${why}`, { cause: err }));
      });
      req.end(payload);
    });
  }
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
