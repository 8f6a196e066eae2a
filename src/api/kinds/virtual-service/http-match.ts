import type { Reporter } from '../../diagnostic.js';
import { checkPort } from '../../validation/common.js';
import { isIstioDNSLabel, toInt, validateIstioLabels } from '../destination-rule/networking-rules.js';
import { checkMatchHeaderName } from './header-rules.js';
import { validateGatewayNames } from './host-names.js';
import { validateStringMatch } from './string-match.js';

/** One `HTTPMatchRequest`. */
export function validateHttpMatch(value: unknown, at: Reporter): void {
  if (typeof value !== 'object' || value === null) return;
  const m = value as Record<string, unknown>;
  for (const [name, hm] of Object.entries((m.headers as Record<string, unknown> | undefined) ?? {})) {
    const hat = at.at('headers').at(name);
    if (hm === null) hat.error(`header match ${JSON.stringify(name)} cannot be null`);
    const err = checkMatchHeaderName(name);
    if (err) hat.error(err);
    validateStringMatch(hm, hat);
  }
  for (const [name, hm] of Object.entries((m.withoutHeaders as Record<string, unknown> | undefined) ?? {})) {
    const hat = at.at('withoutHeaders').at(name);
    const err = checkMatchHeaderName(name);
    if (err) hat.error(err);
    // `regex: "*"` is not RE2: it means "header present", so it is not compiled.
    if (hm && (hm as Record<string, unknown>).regex !== '*') validateStringMatch(hm, hat);
  }
  validateStringMatch(m.uri, at.at('uri'), { allowEmptyPrefix: true });
  for (const field of ['scheme', 'method', 'authority']) validateStringMatch(m[field], at.at(field));
  for (const [name, qm] of Object.entries((m.queryParams as Record<string, unknown> | undefined) ?? {})) validateStringMatch(qm, at.at('queryParams').at(name));

  const port = toInt(m.port) ?? 0;
  if (port !== 0) {
    const err = checkPort(port);
    if (err) at.at('port').error(err);
  }
  validateIstioLabels(m.sourceLabels as Record<string, unknown> | undefined, at.at('sourceLabels'));
  validateGatewayNames(m.gateways as unknown[] | undefined, at.at('gateways'));
  if (typeof m.sourceNamespace === 'string' && m.sourceNamespace !== '' && !isIstioDNSLabel(m.sourceNamespace)) {
    at.at('sourceNamespace').error(`sourceNamespace ${JSON.stringify(m.sourceNamespace)} is not a valid namespace name`);
  }
}
