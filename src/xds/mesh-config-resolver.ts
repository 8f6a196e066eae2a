import { parse } from 'yaml';
import { defaultMeshConfig, mergeMeshConfig, type MeshConfig } from '../api/kinds/mesh-config/index.js';
import type { Resource } from '../api/resource.js';

function fromConfigMap(r: Resource<unknown>): MeshConfig | undefined {
  const text = (r as { data?: Record<string, unknown> }).data?.mesh;
  if (typeof text !== 'string') return undefined;
  try {
    const v = parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as MeshConfig) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The MeshConfig in force, over Istio's defaults: a file given on the command line wins;
 * else a stored MeshConfig object (`mesh` first, then by name); else the `mesh` key of
 * Istio's `istio` ConfigMap. Whatever it is, the result is complete (defaults filled in).
 */
export function resolveMeshConfig(resources: readonly Resource<unknown>[], fromFile?: MeshConfig): MeshConfig {
  if (fromFile) return mergeMeshConfig(defaultMeshConfig(), fromFile);
  const stored = resources.filter((r) => r.kind === 'MeshConfig').sort((a, b) => (a.metadata.name === 'mesh' ? -1 : b.metadata.name === 'mesh' ? 1 : a.metadata.name.localeCompare(b.metadata.name)));
  if (stored[0]) return mergeMeshConfig(defaultMeshConfig(), (stored[0].spec ?? {}) as MeshConfig);
  for (const r of resources) {
    if (r.kind !== 'ConfigMap' || r.metadata.name !== 'istio') continue;
    const mesh = fromConfigMap(r);
    if (mesh) return mergeMeshConfig(defaultMeshConfig(), mesh);
  }
  return defaultMeshConfig();
}
