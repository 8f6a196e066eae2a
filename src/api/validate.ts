import { Reporter, type Diagnostic } from './diagnostic.js';
import { kindDefinition, kindsNamed } from './kinds/registry.js';
import type { KindDefinition } from './kinds/kind.js';
import { splitApiVersion, type Resource } from './resource.js';
import { checkSchema } from './schema/schema.js';
import { checkLabelKey, isDNS1123Label, isDNS1123Subdomain, validateLabels } from './validation/common.js';
import { checkIstioAnnotations, isIstioGroup } from './validation/istio-annotations.js';

/** The verdict on one resource. */
export interface ValidationResult {
  /** The kind's definition when the kind and version are known. */
  definition?: KindDefinition<never>;
  diagnostics: readonly Diagnostic[];
  valid: boolean;
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/**
 * Validates one document as Istio's validating webhook (and the API server before it)
 * would: known kind and version, metadata, schema, then the kind's semantic rules.
 * Never throws on bad input; everything wrong is in `diagnostics`.
 */
export function validateResource(doc: unknown): ValidationResult {
  const at = new Reporter();
  const definition = checkEnvelope(doc, at);
  if (definition) {
    const r = doc as Resource<unknown>;
    checkMetadata(r, definition, at.at('metadata'));
    if (isIstioGroup(definition.group) && isPlainObject(r.metadata)) {
      const annotations = (r.metadata as { annotations?: unknown }).annotations;
      if (isPlainObject(annotations)) checkIstioAnnotations(definition.kind, annotations, at.at('metadata').at('annotations'));
    }
    const top = definition.topLevel ?? {};
    for (const key of Object.keys(r)) {
      if (TOP_LEVEL.has(key) || key in top) continue;
      at.at(key).error(`unknown field ${JSON.stringify(key)}`);
    }
    let topOk = true;
    for (const [key, schema] of Object.entries(top)) topOk = checkSchema(r[key], schema, at.at(key)) && topOk;
    // Kinds without a spec (ConfigMap) get the whole resource, reported from the root.
    if (definition.topLevel && topOk && !definition.analysisOnly && definition.validate) {
      try {
        definition.validate(r as never, at, { resource: r, version: splitApiVersion(r.apiVersion).version });
      } catch (err) {
        at.error(`internal validation error: ${(err as Error).message}`);
      }
    }
    if (definition.spec && !definition.topLevel) {
      const spec = r.spec ?? {};
      if (checkSchema(spec, definition.spec, at.at('spec')) && !definition.analysisOnly) {
        try {
          definition.validate?.(spec as never, at.at('spec'), { resource: r, version: splitApiVersion(r.apiVersion).version });
        } catch (err) {
          // A validator bug must not hide the rest of the report or crash the caller.
          at.at('spec').error(`internal validation error: ${(err as Error).message}`);
        }
      }
    }
  }
  return { definition, diagnostics: at.diagnostics, valid: !at.hasErrors() };
}

function checkEnvelope(doc: unknown, at: Reporter): KindDefinition<never> | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    at.error('a resource must be a mapping with apiVersion, kind, metadata and spec');
    return undefined;
  }
  const { apiVersion, kind } = doc as Record<string, unknown>;
  if (typeof kind !== 'string' || kind === '') {
    at.at('kind').error('kind is required');
    return undefined;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    at.at('apiVersion').error('apiVersion is required');
    return undefined;
  }
  const { group, version } = splitApiVersion(apiVersion);
  const def = kindDefinition(group, kind);
  if (!def) {
    const sameName = kindsNamed(kind);
    if (sameName.length > 0) {
      at.at('apiVersion').error(`${kind} is not served in group ${JSON.stringify(group)}; use ${sameName.map((d) => apiVersionOf(d, d.versions[0])).join(' or ')}`);
    } else {
      at.at('kind').error(`unknown kind ${JSON.stringify(kind)} (apiVersion ${apiVersion})`);
    }
    return undefined;
  }
  if (!def.versions.includes(version)) {
    at.at('apiVersion').error(`${kind} is not served at version ${JSON.stringify(version)}; served versions: ${def.versions.map((v) => apiVersionOf(def, v)).join(', ')}`);
    return undefined;
  }
  return def;
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(def: KindDefinition<never>, version: string): string {
  return def.group === '' ? version : `${def.group}/${version}`;
}

function checkMetadata(r: Resource<unknown>, def: KindDefinition<never>, at: Reporter): void {
  const meta = r.metadata as unknown;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    at.error('metadata with a name is required');
    return;
  }
  const { name, namespace, labels, annotations } = r.metadata;
  if (typeof name !== 'string' || name === '') {
    if (!(r.metadata as Record<string, unknown>).generateName) at.at('name').error('metadata.name is required');
  } else if (def.kind === 'Namespace' || def.kind === 'Service' ? !isDNS1123Label(name) : !isDNS1123Subdomain(name)) {
    at.at('name').error(`invalid name ${JSON.stringify(name)}: must be a lowercase RFC 1123 ${def.kind === 'Namespace' || def.kind === 'Service' ? 'label' : 'subdomain'}`);
  }
  if (namespace !== undefined) {
    if (typeof namespace !== 'string' || !isDNS1123Label(namespace)) at.at('namespace').error(`invalid namespace ${JSON.stringify(namespace)}: must be a lowercase RFC 1123 label`);
  }
  if (labels !== undefined) {
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) at.at('labels').error('labels must be a map of strings');
    else validateLabels(labels, at.at('labels'));
  }
  if (annotations !== undefined) {
    if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) at.at('annotations').error('annotations must be a map of strings');
    else {
      for (const [k, v] of Object.entries(annotations)) {
        const err = checkLabelKey(k);
        if (err) at.at('annotations').at(k).error(err.replace('label key', 'annotation key'));
        if (typeof v !== 'string') at.at('annotations').at(k).error('annotation values must be strings');
      }
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
