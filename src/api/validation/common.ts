import { RE2JS } from 're2js';
import type { Reporter } from '../diagnostic.js';

// Shared field rules of Istio's validation (hosts, labels, durations, ports, regexes...).
// Each returns an error message, or undefined when the value is fine, so callers decide
// whether it is an error or a warning and where it is reported.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL_ANY_CASE = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/i;

/** RFC 1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export function isDNS1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** RFC 1123 subdomain (Kubernetes object names): dot-separated labels, at most 253 characters. */
export function isDNS1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => l.length <= 63 && DNS1123_LABEL.test(l));
}

function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function dnsLabels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) return `domain name ${JSON.stringify(domain)} invalid (top level domain ${JSON.stringify(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined; // trailing dot: `istio.io.`
    if (!(parts[i].length <= 63 && DNS1123_LABEL_ANY_CASE.test(parts[i]))) return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(parts[i])} invalid)`;
  }
  return undefined;
}

/** A fully qualified domain name (no wildcard). */
export function checkFQDN(name: string): string | undefined {
  return dnsPreconditions(name) ?? dnsLabels(name);
}

/** A domain whose first label may be a wildcard (`*`, `*.example.com`, `*foo.example.com`). */
export function checkWildcardDomain(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!(first.length <= 63 && WILDCARD_LABEL.test(first))) return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  return dot < 0 ? undefined : dnsLabels(domain.slice(dot + 1));
}

/** An IPv4 or IPv6 literal. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

export function isIPv6(s: string): boolean {
  if (s.includes('%')) s = s.slice(0, s.indexOf('%'));
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  let tail = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    s = s.slice(0, lastColon + 1) + '0';
    tail = 1; // the dotted quad takes two groups
  }
  const double = s.split('::');
  if (double.length > 2) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groups(double[0]);
  const rest = double.length === 2 ? groups(double[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = head.length + rest.length + tail;
  return double.length === 2 ? count <= 7 : count === 8;
}

/** An IP address or a CIDR block (`198.18.0.0/16`, `2001:db8::/32`). */
export function checkIPOrCIDR(s: string): string | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return isIP(s) ? undefined : `${JSON.stringify(s)} is not a valid IP address`;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!isIP(ip)) return `${JSON.stringify(s)} is not a valid CIDR block (bad address)`;
  const max = isIPv4(ip) ? 32 : 128;
  if (!/^\d+$/.test(bits) || Number(bits) > max) return `${JSON.stringify(s)} is not a valid CIDR block (prefix length must be 0..${max})`;
  return undefined;
}

/** A port number 1..65535. */
export function checkPort(port: unknown): string | undefined {
  const n = Number(port);
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return undefined;
  return `port number ${String(port)} must be in the range 1..65535`;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Parses a Go/protobuf duration (`1h2m3.5s`, `300ms`, `-1s`) into milliseconds; undefined if malformed. */
export function parseDurationMs(s: string): number | undefined {
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m || s === '0') return s === '0' ? 0 : undefined;
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]];
  return m[1] === '-' ? -total : total;
}

/** Istio's rule for most durations: well-formed, at least 1ms, and a whole number of ms. */
export function checkDuration(value: unknown): string | undefined {
  if (typeof value !== 'string') return `duration must be a string like "1.5s", got ${JSON.stringify(value)}`;
  const ms = parseDurationMs(value);
  if (ms === undefined) return `invalid duration ${JSON.stringify(value)}`;
  if (ms < 1) return 'duration must be greater than 1ms';
  if (Math.abs(ms - Math.round(ms)) > 1e-9) return 'only durations to ms precision are supported';
  return undefined;
}

/** Reports a bad duration at `at` (no-op when unset). */
export function validateDuration(value: unknown, at: Reporter): void {
  if (value === undefined || value === null) return;
  const err = checkDuration(value);
  if (err) at.error(err);
}

/** Percentages (`Percent { value: double }`) must be in 0..100. */
export function checkPercent(value: unknown): string | undefined {
  const n = Number(value);
  if (Number.isNaN(n) || n < 0 || n > 100) return `percentage ${String(value)} is not in range 0..100`;
  return undefined;
}

/** Compiles a regular expression with RE2 syntax, as Envoy and Istio do (not JavaScript's). */
export function checkRegex(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`;
  }
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes label key: optional DNS-subdomain prefix and a name of at most 63 characters. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDNS1123Subdomain(prefix)) return `invalid label key ${JSON.stringify(key)}: prefix must be a DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `invalid label key ${JSON.stringify(key)}`;
  return undefined;
}

/** A Kubernetes label value: at most 63 characters of alphanumerics, '-', '_' and '.'. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) return `invalid label value ${JSON.stringify(value)}`;
  return undefined;
}

/** Validates a label map (workload selectors, subset labels, metadata labels). */
export function validateLabels(labels: Record<string, unknown> | undefined, at: Reporter): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const keyErr = checkLabelKey(k);
    if (keyErr) at.at(k).error(keyErr);
    const valErr = typeof v === 'string' ? checkLabelValue(v) : `label value must be a string, got ${JSON.stringify(v)}`;
    if (valErr) at.at(k).error(valErr);
  }
}

/** `exportTo`: `.`, `*`, `~` or namespace names; `*`/`~` must stand alone, no duplicates. */
export function validateExportTo(exportTo: readonly unknown[] | undefined, at: Reporter, opts: { allowTilde?: boolean } = {}): void {
  if (!exportTo) return;
  const seen = new Set<string>();
  exportTo.forEach((raw, i) => {
    const e = String(raw);
    if (seen.has(e)) at.at(i).error(`duplicate entry in exportTo: ${JSON.stringify(e)}`);
    seen.add(e);
    if (e === '.' || e === '*') return;
    if (e === '~' && opts.allowTilde !== false) return;
    if (!isDNS1123Label(e)) at.at(i).error(`only ., * or a valid namespace name is allowed in exportTo, got ${JSON.stringify(e)}`);
  });
  if ((seen.has('*') || seen.has('~')) && seen.size > 1) {
    at.error(seen.has('*') ? 'cannot have both public (*) and non-public exportTo values for a resource' : "exportTo '~' may not be used with other values");
  }
}

/** Protocol names Istio recognises for ports (case-insensitive). */
export const PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS', 'UDP', 'HBONE'] as const;

/** A port protocol name, case-insensitive; unknown ones are treated as TCP by Istio. */
export function isKnownProtocol(p: string): boolean {
  return (PROTOCOLS as readonly string[]).includes(p.toUpperCase());
}
