import type { Reporter } from '../../diagnostic.js';
import { checkDuration } from '../../validation/common.js';
import { validatePolicyTargeting } from '../policy-target/validate.js';
import { checkCelSyntax } from './cel-syntax.js';
import type { AccessLogging, Metrics, ProviderRef, TelemetrySpec, Tracing } from './types.js';

/** Istio's Telemetry rules (webhook and CRD). */
export function validateTelemetry(spec: TelemetrySpec, at: Reporter): void {
  validatePolicyTargeting(spec, at);
  const tracing = spec.tracing ?? [];
  if (tracing.length > 1) at.at('tracing').warn('multiple tracing entries are not currently supported; only the first is used');
  tracing.forEach((t, i) => t && validateTracing(t, at.at('tracing').at(i)));
  (spec.metrics ?? []).forEach((m, i) => m && validateMetrics(m, at.at('metrics').at(i)));
  (spec.accessLogging ?? []).forEach((l, i) => l && validateAccessLogging(l, at.at('accessLogging').at(i)));
}

function validateProviders(providers: ProviderRef[] | undefined, at: Reporter): void {
  (providers ?? []).forEach((p, i) => {
    if (!p?.name) at.at(i).at('name').error('provider name must not be empty');
  });
}

function validateTracing(t: Tracing, at: Reporter): void {
  if ((t.providers ?? []).length > 1) at.at('providers').warn('multiple tracing providers are not currently supported; only the first is used');
  validateProviders(t.providers, at.at('providers'));
  if (t.randomSamplingPercentage !== undefined && t.randomSamplingPercentage !== null) {
    const p = Number(t.randomSamplingPercentage);
    if (!(p >= 0 && p <= 100)) at.at('randomSamplingPercentage').error(`randomSamplingPercentage must be in range [0.0, 100.0], got ${String(t.randomSamplingPercentage)}`);
  }
  for (const [name, tag] of Object.entries(t.customTags ?? {})) {
    const atTag = at.at('customTags').at(name);
    if (name === '') atTag.error('a custom tag name must not be empty');
    if (!tag) {
      atTag.error(`custom tag ${JSON.stringify(name)} must have a value`);
      continue;
    }
    if (tag.literal && !tag.literal.value) atTag.at('literal').at('value').error('a literal tag value must not be empty');
    if (tag.header && !tag.header.name) atTag.at('header').at('name').error('a header tag name must not be empty');
    if (tag.environment && !tag.environment.name) atTag.at('environment').at('name').error('an environment tag name must not be empty');
  }
}

function validateMetrics(m: Metrics, at: Reporter): void {
  validateProviders(m.providers, at.at('providers'));
  if (m.reportingInterval !== undefined) {
    const err = checkDuration(m.reportingInterval);
    if (err) at.at('reportingInterval').error(err);
  }
  (m.overrides ?? []).forEach((o, i) => {
    const atO = at.at('overrides').at(i);
    if (!o) return atO.error('an override must not be null');
    if (o.match && o.match.customMetric === '') atO.at('match').at('customMetric').error('customMetric must not be empty');
    for (const [tag, override] of Object.entries(o.tagOverrides ?? {})) {
      const atT = atO.at('tagOverrides').at(tag);
      if (tag === '') atT.warn('a tag override name should not be empty');
      if (!override) {
        atT.error('a tag override must not be null');
        continue;
      }
      const op = typeof override.operation === 'number' ? (['UPSERT', 'REMOVE'][override.operation] ?? 'UPSERT') : (override.operation ?? 'UPSERT');
      if (op === 'UPSERT') {
        if (!override.value) atT.at('value').error('value must be set when operation is UPSERT');
        else {
          const err = checkCelSyntax(override.value);
          if (err) atT.at('value').error(`invalid expression ${JSON.stringify(override.value)}: ${err}`);
        }
      } else if (override.value !== undefined) atT.at('value').error('value may only be set when operation is UPSERT');
    }
  });
}

function validateAccessLogging(l: AccessLogging, at: Reporter): void {
  validateProviders(l.providers, at.at('providers'));
  const expr = l.filter?.expression;
  if (l.filter && expr !== undefined && expr !== '') {
    const err = checkCelSyntax(expr);
    if (err) at.at('filter').at('expression').error(`invalid filter expression: ${err}`);
  }
}
