import type { Diagnostic } from '../api/diagnostic.js';
import type { SourcedResource } from '../api/resource.js';

/** `Kind namespace/name` (or `Kind name`), as messages name a resource. */
export function describeResource(r: SourcedResource['resource']): string {
  const kind = typeof r?.kind === 'string' && r.kind !== '' ? r.kind : '<no kind>';
  const meta = (r?.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : '<no name>';
  return typeof meta.namespace === 'string' && meta.namespace !== '' ? `${kind} ${meta.namespace}/${name}` : `${kind} ${name}`;
}

/** `FILE:LINE: Kind namespace/name: field.path: message` — the one line format of every config problem. */
export function formatDiagnostic(item: SourcedResource, d: Diagnostic): string {
  const where = item.source ? `${item.source.file}:${item.source.lineOf(d.path)}` : '<input>';
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${describeResource(item.resource)}: ${d.path === '' ? '' : `${d.path}: `}${prefix}${d.message}`;
}
