import { join, relative, sep } from 'node:path';
import { KINDS } from '../../api/kinds/registry.js';
import type { KindDefinition } from '../../api/kinds/kind.js';

/**
 * Where the directory store keeps each object:
 *
 *   <root>/<namespace>/<plural>.<group>/<name>.yaml   namespaced kinds
 *   <root>/_cluster/<plural>.<group>/<name>.yaml      cluster-scoped kinds
 *
 * (core kinds use just `<plural>`, as kubectl names them). `_cluster` cannot collide with a
 * namespace, which must start with a letter or digit; `<plural>.<group>` keeps two kinds of the
 * same name in different groups apart; names are RFC 1123 subdomains, so safe file names.
 */
export const CLUSTER_DIR = '_cluster';

/** Extension of object files; other files in the tree are ignored. */
export const OBJECT_EXTENSION = '.yaml';

/** The folder name of a kind: `virtualservices.networking.istio.io`, or `services` for core v1. */
export function kindDirName(def: KindDefinition<never>): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

const kindsByDir = new Map(KINDS.map((d) => [kindDirName(d), d]));

/** The file of one object. */
export function objectFile(root: string, def: KindDefinition<never>, namespace: string | undefined, name: string): string {
  return join(root, def.namespaced ? (namespace ?? 'default') : CLUSTER_DIR, kindDirName(def), `${name}${OBJECT_EXTENSION}`);
}

/** What a file's place in the tree says it holds. */
export interface ObjectPlace {
  def: KindDefinition<never>;
  namespace?: string;
  name: string;
}

/** Reads identity off a path inside `root`, or explains why the path does not fit the layout. */
export function placeOf(root: string, file: string): ObjectPlace | { error: string } {
  const parts = relative(root, file).split(sep);
  if (parts.length !== 3 || !parts[2].endsWith(OBJECT_EXTENSION)) {
    return { error: `not where the store keeps objects (expected <namespace or ${CLUSTER_DIR}>/<kind folder>/<name>${OBJECT_EXTENSION})` };
  }
  const [nsDir, kindDir, base] = parts;
  const def = kindsByDir.get(kindDir);
  if (!def) return { error: `unknown kind folder ${JSON.stringify(kindDir)} (expected a folder such as virtualservices.networking.istio.io)` };
  const name = base.slice(0, -OBJECT_EXTENSION.length);
  if (def.namespaced && nsDir === CLUSTER_DIR) return { error: `${def.kind} is namespaced; put it under a namespace folder, not ${CLUSTER_DIR}` };
  if (!def.namespaced && nsDir !== CLUSTER_DIR) return { error: `${def.kind} is cluster-scoped; put it under ${CLUSTER_DIR}/` };
  return def.namespaced ? { def, namespace: nsDir, name } : { def, name };
}
