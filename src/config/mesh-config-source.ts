import type { Resource, SourcedResource } from '../api/resource.js';
import { parseDocuments, type ParsedDocument } from './parse.js';

/** apiVersion given to MeshConfig read from a bare file or from Istio's ConfigMap. */
export const MESH_CONFIG_API_VERSION = 'mesh.plexus.dev/v1alpha1';

/** True for Istio's mesh ConfigMap: `istio` or `istio-<revision>`, with a `mesh` key. */
export function isMeshConfigMap(r: Resource<unknown>): boolean {
  const data = (r as { data?: Record<string, unknown> }).data;
  return r.kind === 'ConfigMap' && /^istio(-[a-z0-9-]+)?$/.test(r.metadata?.name ?? '') && typeof data?.mesh === 'string';
}

/**
 * MeshConfig documents hidden in `doc`: the document itself when it is a bare MeshConfig
 * (the original document is then replaced), or the `mesh` key of the istio ConfigMap
 * (added beside the ConfigMap). Lines inside the embedded YAML map back to the file.
 */
export function meshConfigDocuments(doc: ParsedDocument): SourcedResource[] {
  const v = doc.value as Record<string, unknown>;
  if (v.apiVersion === undefined && v.kind === undefined) {
    const spec = { ...v };
    for (const k of Object.keys(v)) delete v[k];
    Object.assign(v, { apiVersion: MESH_CONFIG_API_VERSION, kind: 'MeshConfig', metadata: { name: 'mesh' }, spec });
    const lineOf = doc.source.lineOf;
    doc.source = { ...doc.source, lineOf: (p) => lineOf(p.replace(/^spec\.?/, '')) };
    return [];
  }
  const r = v as unknown as Resource<unknown>;
  if (!isMeshConfigMap(r)) return [];
  const text = (r as unknown as { data: { mesh: string } }).data.mesh;
  const inner = parseDocuments(text, doc.source.file);
  const first = inner.documents[0];
  // A block scalar starts on the line after `mesh: |`.
  const offset = doc.source.lineOf('data.mesh');
  const spec = (first?.value ?? {}) as Record<string, unknown>;
  return [{
    resource: {
      apiVersion: MESH_CONFIG_API_VERSION,
      kind: 'MeshConfig',
      metadata: { name: r.metadata.name, namespace: r.metadata.namespace },
      spec: typeof spec === 'object' && spec !== null ? spec : {},
    },
    source: {
      file: doc.source.file,
      line: offset,
      lineOf: (p) => (first ? first.source.lineOf(p.replace(/^spec\.?/, '')) + offset : offset),
    },
  }];
}
