/** gRPC status codes by the names Istio's `grpcStatus` uses. */
export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** A status name (`UNAVAILABLE`) or number (`14`) → code; undefined when neither. */
export function grpcStatusCode(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 16 ? value : undefined;
  const byName = GRPC_STATUS[value.toUpperCase()];
  if (byName !== undefined) return byName;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : undefined;
}
