import type { Diagnostic } from '../../api/diagnostic.js';
import type { ErrorCode } from '../../api/errors.js';
import type { Resource } from '../../api/resource.js';

/**
 * The admin API's wire format, shared by the server and the CLI client. JSON over HTTP on
 * loopback; every request but `GET /healthz` carries `Authorization: Bearer <token>`.
 *
 *   GET    /healthz                                   liveness, no token needed
 *   POST   /v1/apply[?dryRun=true]                    ApplyRequest → ApplyResponse
 *   GET    /v1/resources/KIND[?namespace=NS]          ResourceList (all namespaces without NS)
 *   GET    /v1/resources/KIND/NAME[?namespace=NS]     Resource
 *   DELETE /v1/resources/KIND/NAME[?namespace=NS&expectedVersion=RV]  DeleteResponse
 *
 * KIND is anything kubectl accepts (`vs`, `virtualservices.networking.istio.io`...). NS
 * defaults to `default` for one namespaced object. Errors are ErrorBody with status 400
 * (invalid input, with per-item diagnostics), 401, 404, 405, 409 (conflict) or 413.
 */
export const ADMIN_API_VERSION = 'v1';

/** One object to apply, with an optional optimistic-concurrency precondition. */
export interface ApplyItem {
  resource: Resource;
  expectedVersion?: string;
}

/** Body of `POST /v1/apply`. The batch is all-or-nothing on validation: one invalid item applies none. */
export interface ApplyRequest {
  items: ApplyItem[];
  dryRun?: boolean;
}

/** The verdict on one item, in request order. */
export type ApplyItemResult =
  | { outcome: 'created' | 'configured' | 'unchanged'; resource: Resource; warnings?: readonly Diagnostic[] }
  | { outcome: 'invalid'; diagnostics: readonly Diagnostic[] }
  | { outcome: 'conflict'; message: string };

/** Answer to an apply; `applied` is false for a dry run and for a refused batch. */
export interface ApplyResponse {
  applied: boolean;
  dryRun: boolean;
  results: ApplyItemResult[];
}

/** Answer to a list, shaped like kubectl's `List`. */
export interface ResourceList {
  apiVersion: 'v1';
  kind: 'List';
  items: Resource[];
}

/** Answer to a delete: the object as it was. */
export interface DeleteResponse {
  deleted: Resource;
}

/** Every error answer; apply errors also carry the per-item results. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  results?: ApplyItemResult[];
}
