import { createHash } from 'node:crypto';
import type { HashPolicy } from '../config/model.js';
import { requestHeader, type RouteRequest } from './route-request.js';

/** What a route's hash policies produce for one request. */
export interface HashKeyResult {
  /** Key for ring hash / Maglev; undefined when no policy produced a value (the LB picks freely). */
  readonly key?: string;
  /** A `set-cookie` value to send back when a cookie policy with a TTL generated the cookie. */
  readonly setCookie?: string;
}

// No policies (the common route): one shared result, nothing allocated per request.
const NO_HASH_KEY: HashKeyResult = Object.freeze({ key: undefined, setCookie: undefined });

/**
 * Evaluates hash policies in order, joining the values of those that apply; a `terminal`
 * policy that produced a value stops the walk (Envoy's semantics).
 */
export function computeHashKey(policies: readonly HashPolicy[], req: RouteRequest): HashKeyResult {
  if (policies.length === 0) return NO_HASH_KEY;
  const parts: string[] = [];
  let setCookie: string | undefined;
  for (const policy of policies) {
    let value: string | undefined;
    switch (policy.kind) {
      case 'header':
        value = requestHeader(req, policy.name.toLowerCase());
        break;
      case 'source_ip':
        value = req.clientAddress || undefined;
        break;
      case 'query_parameter':
        value = queryValue(req.path, policy.name);
        break;
      case 'cookie': {
        value = cookieValue(requestHeader(req, 'cookie'), policy.name);
        if (value === undefined && policy.ttlMs !== undefined) {
          // Envoy mints a cookie from the client address so the client sticks from now on.
          value = createHash('sha256').update(`${req.clientAddress}|${req.authority}|${policy.name}`).digest('hex').slice(0, 16);
          const attrs = [`${policy.name}="${value}"`];
          if (policy.ttlMs > 0) attrs.push(`Max-Age=${Math.floor(policy.ttlMs / 1000)}`);
          if (policy.path) attrs.push(`Path=${policy.path}`);
          attrs.push('HttpOnly');
          setCookie = attrs.join('; ');
        }
        break;
      }
    }
    if (value !== undefined) {
      parts.push(`${policy.kind}:${value}`);
      if (policy.terminal) break;
    }
  }
  return { key: parts.length > 0 ? parts.join('\n') : undefined, setCookie };
}

function queryValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q === -1) return undefined;
  for (const part of path.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if ((eq === -1 ? part : part.slice(0, eq)) === name) return eq === -1 ? '' : part.slice(eq + 1);
  }
  return undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(/;\s*|,\s*/)) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}
