import { lookupKind } from '../../api/kinds/registry.js';
import type { KindDefinition } from '../../api/kinds/kind.js';

/**
 * Finds a kind the way kubectl reads a resource type argument: kind, plural or short name
 * in any case (`vs`, `VirtualService`, `virtualservices`), optionally qualified by group
 * (`virtualservices.networking.istio.io`, `virtualservice.networking.istio.io`).
 */
export function resolveKind(name: string): KindDefinition<never> | undefined {
  const direct = lookupKind(name);
  if (direct) return direct;
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const def = lookupKind(name.slice(0, dot));
  return def && def.group.toLowerCase() === name.slice(dot + 1).toLowerCase() ? def : undefined;
}

/** `virtualservice.networking.istio.io` (or `service` for core): how apply and delete name a kind. */
export function singularTypeName(def: KindDefinition<never>): string {
  return def.group === '' ? def.kind.toLowerCase() : `${def.kind.toLowerCase()}.${def.group}`;
}

/** `virtualservices.networking.istio.io` (or `services`): how kubectl names a resource type in errors. */
export function pluralTypeName(def: KindDefinition<never>): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}
