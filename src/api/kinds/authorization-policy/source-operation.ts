import type { Reporter } from '../../diagnostic.js';
import { checkIPOrCIDR } from '../../validation/common.js';
import { checkPortString } from './conditions.js';
import type { Operation, Source } from './types.js';

// Field rules of `from.source` and `to.operation`.

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
] as const;
const IP_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
/** Source fields that also apply to plain TCP traffic. */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
/** Identity strings that match exactly, by prefix (`abc*`), by suffix (`*abc`) or as presence (`*`). */
const IDENTITY_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces'] as const;

const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

const HTTP_METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Path templates Envoy's uri_template matcher does not take in AuthorizationPolicy:
// named variables, empty braces, and bare `*`/`**` segments next to `{*}`/`{**}`.
const UNSUPPORTED_TEMPLATE = /\/\{\w+=\*\*?\}|\{\w*\}|\/\*\*?|\*\*?\//;

const nonEmpty = (v: readonly unknown[] | undefined): boolean => Array.isArray(v) && v.length > 0;

function checkEmptyValues(values: readonly string[] | undefined, at: Reporter): void {
  (values ?? []).forEach((v, i) => {
    if (v === '') at.at(i).error('empty value not allowed');
  });
}

/** Istio matches `*` only as a whole value, a prefix or a suffix; anywhere else it is a literal. */
function warnInnerWildcards(values: readonly string[] | undefined, at: Reporter): void {
  (values ?? []).forEach((v, i) => {
    const inner = v.length > 1 ? v.slice(1, -1) : '';
    if (inner.includes('*')) at.at(i).warn(`"*" is only a wildcard at the start or end of a value; ${JSON.stringify(v)} matches the literal text`);
  });
}

/** Validates one `from.source`; returns whether it uses attributes that apply to TCP. */
export function validateSource(src: Source, at: Reporter): boolean {
  if (!SOURCE_FIELDS.some((f) => nonEmpty(src[f]))) at.error('`from.source` must not be empty');
  for (const f of SOURCE_FIELDS) checkEmptyValues(src[f], at.at(f));
  for (const f of IP_FIELDS) {
    (src[f] ?? []).forEach((v, i) => {
      if (v === '') return;
      const err = checkIPOrCIDR(v);
      if (err) at.at(f).at(i).error(err);
    });
  }
  for (const f of IDENTITY_FIELDS) warnInnerWildcards(src[f], at.at(f));
  const usesSa = src.serviceAccounts !== undefined || src.notServiceAccounts !== undefined;
  if (usesSa && (['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const).some((f) => src[f] !== undefined)) {
    at.error('serviceAccounts cannot be set together with namespaces or principals');
  }
  for (const f of ['serviceAccounts', 'notServiceAccounts'] as const) {
    const list = src[f] ?? [];
    if (list.length > 16) at.at(f).error(`at most 16 ${f} are allowed, got ${list.length}`);
    list.forEach((v, i) => {
      if (v.length > 320) at.at(f).at(i).error('a service account must be at most 320 characters');
    });
  }
  return TCP_SOURCE_FIELDS.some((f) => src[f] !== undefined);
}

/** Validates one `to.operation`; returns whether it matches on ports (the only TCP attribute). */
export function validateOperation(op: Operation, at: Reporter): boolean {
  if (!OPERATION_FIELDS.some((f) => nonEmpty(op[f]))) at.error('`to.operation` must not be empty');
  for (const f of OPERATION_FIELDS) checkEmptyValues(op[f], at.at(f));
  for (const f of ['ports', 'notPorts'] as const) {
    (op[f] ?? []).forEach((p, i) => {
      if (p === '') return;
      const err = checkPortString(p);
      if (err) at.at(f).at(i).error(err);
      else if (Number(p) === 0) at.at(f).at(i).warn('port 0 never matches a request');
    });
  }
  for (const f of ['paths', 'notPaths'] as const) {
    (op[f] ?? []).forEach((p, i) => {
      const isTemplate = p.includes('{*}') || p.includes('{**}');
      if (isTemplate && UNSUPPORTED_TEMPLATE.test(p)) at.at(f).at(i).error(`invalid or unsupported path template ${JSON.stringify(p)}`);
      else if (!isTemplate && p !== '' && p !== '*' && !p.startsWith('/') && !p.startsWith('*')) at.at(f).at(i).warn(`path ${JSON.stringify(p)} does not start with "/" and will never match`);
    });
  }
  for (const f of ['methods', 'notMethods'] as const) {
    (op[f] ?? []).forEach((m, i) => {
      if (m === '' || m === '*') return;
      if (!HTTP_METHOD_TOKEN.test(m)) at.at(f).at(i).warn(`${JSON.stringify(m)} is not a valid HTTP method token and will never match`);
      else if (m !== m.toUpperCase()) at.at(f).at(i).warn(`methods are matched case-sensitively; ${JSON.stringify(m)} will not match ${m.toUpperCase()}`);
    });
  }
  warnInnerWildcards(op.hosts, at.at('hosts'));
  warnInnerWildcards(op.notHosts, at.at('notHosts'));
  return op.ports !== undefined || op.notPorts !== undefined;
}
