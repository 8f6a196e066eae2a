import { checkIPOrCIDR } from '../../validation/common.js';

// The `when` keys of AuthorizationPolicy and what their values must look like.

/** Keys matched exactly whose values are free-form strings. */
const PLAIN_KEYS = new Set([
  'source.namespace',
  'source.principal',
  'source.serviceAccount',
  'source.trustDomain',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'connection.sni',
]);

const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);

/** `a[b]` with a non-empty name in the brackets. */
function checkMapKey(key: string): string | undefined {
  const open = key.indexOf('[');
  if (key.endsWith(']') && open > 0 && open < key.length - 2) return undefined;
  return `bad key ${JSON.stringify(key)}: should have the form name[value]`;
}

/** An unsigned decimal port, 0..65535, as Istio parses `destination.port` and operation ports. */
export function checkPortString(value: string): string | undefined {
  if (!/^\d+$/.test(value) || Number(value) > 65535) return `bad port ${JSON.stringify(value)}: must be a number in 0..65535`;
  return undefined;
}

/** Why a `when` key is not accepted, or undefined when Istio knows it. */
export function checkConditionKey(key: string): string | undefined {
  if (key.startsWith('request.headers') || key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) return checkMapKey(key);
  if (PLAIN_KEYS.has(key) || IP_KEYS.has(key) || key === 'destination.port') return undefined;
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the policy's metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `attribute ${key} is deprecated and only supported in v1alpha1`;
  return `unknown attribute ${JSON.stringify(key)}`;
}

/** Why one value of a `when` condition is invalid for its key, or undefined. */
export function checkConditionValue(key: string, value: string): string | undefined {
  if (value === '') return 'empty value not allowed';
  if (IP_KEYS.has(key)) return checkIPOrCIDR(value);
  if (key === 'destination.port') return checkPortString(value);
  return undefined;
}
