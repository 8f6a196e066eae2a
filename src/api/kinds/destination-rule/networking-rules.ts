import type { Reporter } from '../../diagnostic.js';
import { checkDuration } from '../../validation/common.js';

// Small rules the networking kinds (DestinationRule, VirtualService) share and that differ
// from the Kubernetes-flavoured ones in validation/common.ts: Istio's own DNS-label and
// label-map checks accept upper case and put no length limit on label values.

const ISTIO_DNS_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const LABEL_KEY = /^(?:([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)\/)?((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const LABEL_VALUE = /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Istio's DNS label: letters of either case, digits and inner '-', at most 63 characters. */
export function isIstioDNSLabel(s: string): boolean {
  return s.length <= 63 && ISTIO_DNS_LABEL.test(s);
}

/** The name of an enum value given by name or (protojson) by number. */
export function enumName(value: unknown, names: readonly string[]): string | undefined {
  if (typeof value === 'number') return names[value];
  return typeof value === 'string' ? value : undefined;
}

/** A protojson integer (number or decimal string) as a number; undefined when unset. */
export function toInt(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' ? value : Number(value);
}

/** Reports a duration Istio rejects (below 1ms, finer than ms, malformed); no-op when unset. */
export function checkIstioDuration(value: unknown, at: Reporter): void {
  if (value === undefined || value === null) return;
  const err = checkDuration(value);
  if (err) at.error(err);
}

/** Label maps as Istio checks them in subsets and match conditions. */
export function validateIstioLabels(labels: Record<string, unknown> | undefined, at: Reporter): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const m = LABEL_KEY.exec(key);
    if (!m) at.at(key).error(`invalid label key ${JSON.stringify(key)}`);
    else if (m[1] !== undefined && m[1].length > 253) at.at(key).error(`invalid label key ${JSON.stringify(key)}: prefix longer than 253 characters`);
    else if (m[2].length > 63) at.at(key).error(`invalid label key ${JSON.stringify(key)}: name longer than 63 characters`);
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) at.at(key).error(`invalid label value ${JSON.stringify(value)}`);
  }
}

/**
 * `exportTo` of VirtualService and DestinationRule: `.`, `*` or namespace names (`~` is only
 * for ServiceEntry). `.` counts as the resource's own namespace when looking for duplicates.
 * A DestinationRule with a workload selector may only be exported to its own namespace.
 */
export function validateNetworkingExportTo(
  exportTo: readonly unknown[] | undefined,
  namespace: string | undefined,
  at: Reporter,
  opts: { workloadSelector?: boolean } = {},
): void {
  if (!exportTo || exportTo.length === 0) return;
  const seen = new Set<string>();
  const raws = new Set<string>();
  exportTo.forEach((raw, i) => {
    const entry = String(raw);
    const key = entry === '.' && namespace ? namespace : entry;
    if (seen.has(key)) {
      const viaDot = entry === '.' ? raws.has(key) : !raws.has(entry);
      at.at(i).error(viaDot ? `duplicate entries in exportTo: "." and the current namespace ${namespace}` : `duplicate entry in exportTo: ${JSON.stringify(entry)}`);
      return;
    }
    raws.add(entry);
    if (entry === '~') {
      at.at(i).error('exportTo "~" (visible to no one) is only allowed on ServiceEntry');
      return;
    }
    if (entry !== '.' && entry !== '*' && !isIstioDNSLabel(entry)) {
      at.at(i).error(`only ".", "*" or a namespace name is allowed in exportTo, got ${JSON.stringify(entry)}`);
      return;
    }
    seen.add(key);
  });
  if (opts.workloadSelector && seen.size > 0) {
    const own = namespace ?? '.';
    if (!seen.has(own)) at.error('a destination rule with a workload selector cannot be exported beyond its own namespace');
    else if (seen.size > 1) at.error('a destination rule with a workload selector cannot have more than one exportTo entry');
  }
  if (seen.has('*') && exportTo.length > 1) at.error('cannot have both public (*) and non-public exportTo values for a resource');
}

/** `workloadSelector.matchLabels` as the webhook and the CRD check it. */
export function validateWorkloadSelector(selector: { matchLabels?: Record<string, unknown> } | undefined, at: Reporter): void {
  if (!selector) return;
  const labels = selector.matchLabels ?? {};
  const keys = Object.keys(labels);
  if (keys.length === 0) at.warn('workload selector specified without labels; it selects every workload in the namespace');
  for (const key of keys) {
    const value = String(labels[key]);
    const kat = at.at('matchLabels').at(key);
    if (key === '') kat.error('empty key is not supported in a workload selector');
    if (key.includes('*')) kat.error('wildcard not allowed in label key match');
    if (value.includes('*')) kat.error('wildcard not allowed in label value match');
    if (value.length > 63) kat.error(`label value ${JSON.stringify(value)} is longer than 63 characters`);
  }
  if (keys.length > 4096) at.at('matchLabels').error('at most 4096 labels may be selected');
}
