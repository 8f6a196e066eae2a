import type { Reporter } from '../diagnostic.js';
import type { Resource } from '../resource.js';
import type { Schema } from '../schema/schema.js';

/** What a kind's semantic validator may look at besides its spec. */
export interface ValidationContext {
  resource: Resource<unknown>;
  /** The version part of the resource's apiVersion. */
  version: string;
}

/**
 * Everything Plexus knows about one kind: where Istio serves it, its schema, and its
 * semantic rules. One definition per kind, listed in `registry.ts`.
 */
export interface KindDefinition<Spec = unknown> {
  kind: string;
  /** API group; `` for core v1. */
  group: string;
  /** Served versions, storage version first. */
  versions: readonly string[];
  /** Versions still served but deprecated, with the message Istio gives. */
  deprecatedVersions?: Readonly<Record<string, string>>;
  plural: string;
  shortNames: readonly string[];
  namespaced: boolean;
  /** Schema of `spec`; for kinds without a spec (ConfigMap, Namespace) the top-level fields. */
  spec?: Schema;
  /** Other top-level fields this kind carries (ConfigMap `data`, Secret `stringData`...). */
  topLevel?: Readonly<Record<string, Schema>>;
  /** Semantic checks on a spec that passed the schema. */
  validate?(spec: Spec, at: Reporter, ctx: ValidationContext): void;
  /** True for kinds accepted only as inputs to analysis (Pod, Deployment...): not validated deeply. */
  analysisOnly?: boolean;
}

/** Identity helper that keeps the Spec type parameter for the validator. */
export function defineKind<Spec>(def: KindDefinition<Spec>): KindDefinition<Spec> {
  return def;
}
