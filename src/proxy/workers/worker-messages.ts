import type { ProxySnapshot } from '../config/model.js';
import type { AdminHostView } from '../admin/admin-sources.js';
import type { HostRequestCounters } from '../../telemetry/envoy-request-stats.js';
import type { MetricFamily } from '../../telemetry/prometheus-text.js';

/**
 * The IPC between the primary of `plexus proxy --concurrency N` and its node:cluster workers.
 * Every message either side sends is one of the types below; the channel uses node's
 * `advanced` serialization (structured clone), so the snapshot's Maps travel as they are.
 */

/** One upstream host of one worker, as plain data (what `/clusters` needs). */
export type WorkerHostState = AdminHostView;

/** One cluster's live state in one worker: its load balancer's hosts and per-host request counters. */
export interface WorkerClusterState {
  readonly name: string;
  /** Absent when the worker has no live state for the cluster (the snapshot's endpoints apply). */
  readonly hosts?: readonly WorkerHostState[];
  readonly counters: readonly (readonly [hostKey: string, counters: HostRequestCounters])[];
}

/** What the primary can ask a worker, and what each answer carries. */
export interface WorkerOps {
  /** Every metric family the worker's ProxyStats collects. */
  metrics: MetricFamily[];
  /** The live upstream state of every cluster of the worker's snapshot. */
  clusters: WorkerClusterState[];
  /** Stop accepting on every listener (admin `/drain_listeners`); answers once done. */
  'drain-listeners': true;
}

export type WorkerOp = keyof WorkerOps;

/** Primary → worker. */
export type PrimaryMessage =
  | { readonly kind: 'snapshot'; readonly snapshot: ProxySnapshot }
  | { readonly kind: 'log-level'; readonly level: string }
  | { readonly kind: 'request'; readonly id: number; readonly op: WorkerOp };

/** The answer to one `request`, matched by `id`. */
export type WorkerReply =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: WorkerOps[WorkerOp] }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

/** Worker → primary. */
export type WorkerMessage =
  /** Sent once the worker listens for messages: the primary answers with the current snapshot. */
  | { readonly kind: 'hello' }
  /** The worker serves its first configuration with listeners. */
  | { readonly kind: 'ready' }
  | WorkerReply;

const PRIMARY_KINDS: ReadonlySet<string> = new Set(['snapshot', 'log-level', 'request']);
const WORKER_KINDS: ReadonlySet<string> = new Set(['hello', 'ready', 'reply']);

function kindOf(m: unknown): string | undefined {
  return typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string' ? (m as { kind: string }).kind : undefined;
}

/** True for messages the primary sends (anything else on the channel is ignored). */
export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  return PRIMARY_KINDS.has(kindOf(m) ?? '');
}

/** True for messages a worker sends. */
export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return WORKER_KINDS.has(kindOf(m) ?? '');
}
