/** A protobuf Duration as protobufjs encodes it. */
export interface ProtoDuration {
  seconds: number;
  nanos: number;
}

const UNIT_NANOS: Readonly<Record<string, number>> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/**
 * Parses the duration strings Istio accepts (`1s`, `0.5s`, `100ms`, `1m30s`, `1h`) into a
 * protobuf Duration; undefined for anything else.
 */
export function parseDuration(text: string | undefined): ProtoDuration | undefined {
  if (!text) return undefined;
  const re = /(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched !== text.length || matched === 0) return undefined;
  const nanosTotal = Math.round(total);
  return { seconds: Math.floor(nanosTotal / 1e9), nanos: nanosTotal % 1e9 };
}
