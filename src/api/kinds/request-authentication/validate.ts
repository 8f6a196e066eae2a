import type { Reporter } from '../../diagnostic.js';
import { checkDuration } from '../../validation/common.js';
import { validatePolicyTargeting } from '../policy-target/validate.js';
import { checkInlineJwks } from './jwks.js';
import type { JwtRule, RequestAuthenticationSpec } from './types.js';

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** Istio's RequestAuthentication rules (webhook and CRD). */
export function validateRequestAuthentication(spec: RequestAuthenticationSpec, at: Reporter): void {
  validatePolicyTargeting(spec, at);
  const rules = spec.jwtRules ?? [];
  if (rules.length > 4096) at.at('jwtRules').error(`at most 4096 jwtRules are allowed, got ${rules.length}`);
  const issuers = new Map<string, number>();
  rules.forEach((rule, i) => {
    const atRule = at.at('jwtRules').at(i);
    if (!rule) return;
    validateJwtRule(rule, atRule);
    if (rule.issuer) {
      const first = issuers.get(rule.issuer);
      if (first !== undefined) atRule.at('issuer').warn(`issuer ${JSON.stringify(rule.issuer)} is also configured by jwtRules[${first}]`);
      else issuers.set(rule.issuer, i);
    }
  });
}

function validateJwtRule(rule: JwtRule, at: Reporter): void {
  if (!rule.issuer) at.at('issuer').error('issuer must be set');
  (rule.audiences ?? []).forEach((a, i) => {
    if (a === '') at.at('audiences').at(i).error('an audience must be a non-empty string');
  });
  if (rule.jwksUri !== undefined && rule.jwks !== undefined) at.error('only one of jwks or jwksUri can be set');
  if (rule.jwksUri !== undefined) {
    const err = checkJwksUri(rule.jwksUri);
    if (err) at.at('jwksUri').error(err);
  }
  if (rule.jwks !== undefined && rule.jwks !== '') {
    const err = checkInlineJwks(rule.jwks);
    if (err) at.at('jwks').error(err);
  }
  (rule.fromHeaders ?? []).forEach((h, i) => {
    if (!h) at.at('fromHeaders').at(i).error('a header location must not be null');
    else if (!h.name) at.at('fromHeaders').at(i).at('name').error('the header name must be a non-empty string');
  });
  (rule.fromParams ?? []).forEach((p, i) => {
    if (p === '') at.at('fromParams').at(i).error('a query parameter name must be a non-empty string');
  });
  (rule.fromCookies ?? []).forEach((c, i) => {
    if (c === '') at.at('fromCookies').at(i).error('a cookie name must be a non-empty string');
  });
  (rule.spaceDelimitedClaims ?? []).forEach((c, i) => {
    if (c === '') at.at('spaceDelimitedClaims').at(i).error('a space-delimited claim name must be a non-empty string');
  });
  (rule.outputClaimToHeaders ?? []).forEach((c, i) => {
    const atC = at.at('outputClaimToHeaders').at(i);
    if (!c) return atC.error('outputClaimToHeaders entries must not be null');
    if (!c.claim) atC.at('claim').error('claim must be a non-empty string');
    if (!c.header) atC.at('header').error('header must be a non-empty string');
    else if (!HEADER_NAME.test(c.header)) atC.at('header').error(`header name ${JSON.stringify(c.header)} is not valid (letters, digits, "-" and "_" only)`);
  });
  if (rule.outputPayloadToHeader && !HEADER_NAME.test(rule.outputPayloadToHeader)) {
    at.at('outputPayloadToHeader').warn(`${JSON.stringify(rule.outputPayloadToHeader)} is not a valid header name; the proxy will reject the configuration`);
  }
  if (rule.timeout !== undefined) {
    const err = checkDuration(rule.timeout);
    if (err) at.at('timeout').error(err);
  }
}

/** A JWKS URI must be an absolute http(s) URL with a host. */
function checkJwksUri(uri: string): string | undefined {
  if (uri === '') return 'jwksUri must not be empty';
  if (uri.length > 2048) return 'jwksUri must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `jwksUri ${JSON.stringify(uri)} is not a valid URL; it must have scheme http:// or https://`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `URI scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} is not supported; use http:// or https://`;
  if (url.hostname === '') return `jwksUri ${JSON.stringify(uri)} has no host`;
  return undefined;
}
