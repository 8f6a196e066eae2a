import type { Reporter } from '../../diagnostic.js';
import { validatePolicyTargeting } from '../policy-target/validate.js';
import { checkPluginUrl } from './plugin-url.js';
import type { WasmPluginSpec } from './types.js';

const SHA256 = /^[a-f0-9]{64}$/;

/** Istio's WasmPlugin rules (webhook and CRD). */
export function validateWasmPlugin(spec: WasmPluginSpec, at: Reporter): void {
  validatePolicyTargeting(spec, at);
  if (spec.url === undefined || spec.url === null) at.at('url').error('url is required');
  else {
    const err = checkPluginUrl(spec.url);
    if (err) at.at('url').error(err);
  }
  if (spec.sha256) {
    if (spec.sha256.length !== 64) at.at('sha256').error('sha256 must be 64 characters long');
    else if (!SHA256.test(spec.sha256)) at.at('sha256').error('sha256 must be 64 lowercase hexadecimal characters ([a-f0-9]{64})');
  }
  if (spec.imagePullSecret !== undefined && (spec.imagePullSecret.length < 1 || spec.imagePullSecret.length > 253)) {
    at.at('imagePullSecret').error('imagePullSecret must be 1..253 characters long');
  }
  if (spec.pluginName !== undefined && (spec.pluginName.length < 1 || spec.pluginName.length > 256)) {
    at.at('pluginName').error('pluginName must be 1..256 characters long');
  }
  const cfg = spec.pluginConfig as unknown;
  if (cfg !== undefined && cfg !== null && (typeof cfg !== 'object' || Array.isArray(cfg))) {
    at.at('pluginConfig').error('pluginConfig must be an object (a google.protobuf.Struct)');
  }
  validateEnv(spec, at.at('vmConfig').at('env'));
  validateMatch(spec, at.at('match'));
}

function validateEnv(spec: WasmPluginSpec, at: Reporter): void {
  const env = spec.vmConfig?.env ?? [];
  if (env.length > 256) at.error(`at most 256 environment variables are allowed, got ${env.length}`);
  const seen = new Set<string>();
  env.forEach((e, i) => {
    if (!e) return;
    if (!e.name) at.at(i).at('name').error('an environment variable needs a name');
    else if (e.name.length > 256) at.at(i).at('name').error('an environment variable name must be at most 256 characters');
    else if (seen.has(e.name)) at.at(i).at('name').error(`duplicate environment variable ${JSON.stringify(e.name)}`);
    else seen.add(e.name);
    if (e.valueFrom === 'HOST' && e.value !== undefined) at.at(i).at('value').error('value may only be set when valueFrom is INLINE');
    if ((e.value ?? '').length > 2048) at.at(i).at('value').error('an environment variable value must be at most 2048 characters');
  });
}

function validateMatch(spec: WasmPluginSpec, at: Reporter): void {
  (spec.match ?? []).forEach((sel, i) => {
    if (!sel) return at.at(i).error('a traffic selector must not be null');
    const seen = new Set<number>();
    (sel.ports ?? []).forEach((p, j) => {
      const atP = at.at(i).at('ports').at(j);
      const n = Number(p?.number);
      if (!p || p.number === undefined) atP.at('number').error('port number is required');
      else if (!(Number.isInteger(n) && n >= 1 && n <= 65535)) atP.at('number').error(`port ${n} is out of range 1..65535`);
      else if (seen.has(n)) atP.at('number').error(`duplicate port ${n}`);
      else seen.add(n);
    });
  });
}
