import type { Reporter } from '../../diagnostic.js';
import { isJwtClaimRoute } from './host-names.js';

// Header names and values in matches, CORS and header manipulation, as Istio checks them.

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;
// Control characters other than horizontal tab are not allowed in header values.
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;

/** A header name in a match (`headers`, `withoutHeaders`); JWT claim routes are allowed. */
export function checkMatchHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimRoute(name)) return undefined;
  if (!HEADER_NAME.test(name)) return `${JSON.stringify(name)} is not a valid header name`;
  return undefined;
}

/** A header name in a CORS policy (`*` allowed). */
export function checkCorsHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name === '*') return undefined;
  if (!HEADER_NAME.test(name)) return `${JSON.stringify(name)} is not a valid header name`;
  return undefined;
}

const isPseudo = (name: string): boolean => name.startsWith(':');
const isHost = (name: string): boolean => name.toLowerCase() === 'host';
/** True for `host` and `:authority`, the two spellings of the request's authority. */
export const isAuthorityHeader = (name: string): boolean => isHost(name) || name.toLowerCase() === ':authority';

/**
 * Checks a value the way Envoy's header formatter parses it: `%` starts a `%VAR%` or
 * `%VAR(args)%` expression and `%%` is a literal percent sign.
 */
export function checkHeaderValue(value: string): string | undefined {
  if (!HEADER_VALUE.test(value)) return `header value ${JSON.stringify(value)} contains control characters`;
  type State = 'literal' | 'name' | 'array' | 'string-start' | 'string' | 'delimiter' | 'args-end' | 'var-end';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const space = ch === ' ';
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (i + 1 >= value.length) return `header value ${JSON.stringify(value)} has an unescaped % (write %% for a literal %)`;
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string-start';
        else if (!space) state = 'string';
        break;
      case 'delimiter':
        if (ch === ',') state = 'string-start';
        else if (ch === ']') state = 'args-end';
        else if (!space) return `header value ${JSON.stringify(value)}: expected ',' or ']' in variable arguments`;
        break;
      case 'string-start':
        if (ch === '"') state = 'string';
        else if (!space) return `header value ${JSON.stringify(value)}: expected '"' in variable arguments`;
        break;
      case 'string':
        if (ch === '\\') {
          if (i + 1 >= value.length) return `header value ${JSON.stringify(value)}: unterminated backslash in variable arguments`;
          i++;
        } else if (ch === ')') state = 'var-end';
        else if (ch === '"') state = 'delimiter';
        break;
      case 'args-end':
        if (ch === ')') state = 'var-end';
        else if (!space) return `header value ${JSON.stringify(value)}: expected ')' after variable arguments`;
        break;
      case 'var-end':
        if (ch === '%') state = 'literal';
        else if (!space) return `header value ${JSON.stringify(value)}: expected '%' to close the variable`;
        break;
    }
  }
  return state === 'literal' ? undefined : `header value ${JSON.stringify(value)} has an unterminated %VARIABLE% expression`;
}

/** Validates `headers.request` / `headers.response` operations of a route or destination. */
export function validateHeaderOperations(headers: unknown, at: Reporter): void {
  if (typeof headers !== 'object' || headers === null) return;
  const h = headers as Record<string, Record<string, unknown> | undefined>;
  for (const side of ['request', 'response'] as const) {
    const ops = h[side];
    if (!ops) continue;
    const sat = at.at(side);
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of Object.entries((ops[op] as Record<string, unknown> | undefined) ?? {})) {
        const nat = sat.at(op).at(name);
        const err = side === 'request' ? checkRequestSetName(name) : checkModifiableName(name);
        if (err) nat.error(err);
        const vErr = checkHeaderValue(String(value));
        if (vErr) nat.error(vErr);
      }
    }
    ((ops.remove as unknown[] | undefined) ?? []).forEach((name, i) => {
      const err = checkModifiableName(String(name));
      if (err) sat.at('remove').at(i).error(err);
    });
  }
}

// Request headers may be set or added, including the authority (`host`, `:authority`).
function checkRequestSetName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if ((isPseudo(name) || isHost(name)) && !isAuthorityHeader(name)) return `invalid header ${JSON.stringify(name)}: pseudo-headers (":" prefix) cannot be modified`;
  return undefined;
}

// Removed request headers and all response headers: no host, no pseudo-headers.
function checkModifiableName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isHost(name)) return `invalid header ${JSON.stringify(name)}: the Host header cannot be modified here`;
  if (isPseudo(name)) return `invalid header ${JSON.stringify(name)}: pseudo-headers (":" prefix) cannot be modified`;
  return undefined;
}
