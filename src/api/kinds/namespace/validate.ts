import type { Reporter } from '../../diagnostic.js';
import type { ValidationContext } from '../kind.js';
import type { NamespaceSpec } from './types.js';

/** Namespaces are cluster-scoped; a namespace field on one is ignored by the API server. */
export function validateNamespace(_spec: NamespaceSpec, at: Reporter, ctx: ValidationContext): void {
  if (ctx.resource.metadata?.namespace) at.warn('a Namespace is cluster-scoped; metadata.namespace is ignored');
}
