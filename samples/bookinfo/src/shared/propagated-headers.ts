import type { IncomingHttpHeaders } from 'node:http';

/**
 * Request headers each service copies from its inbound request onto every upstream call.
 * The mesh can only stitch a trace together, or route on the user, if the application
 * forwards these: the sidecar sees the two hops as unrelated requests otherwise.
 */
export const PROPAGATED_HEADERS: readonly string[] = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'user-agent',
  'end-user',
];

/** Copies the propagated headers present on `incoming` (lower-case names, repeated values joined). */
export function pickPropagatedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const value = incoming[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
