import { stringify } from 'yaml';
import type { Resource } from '../../api/resource.js';
import { validateResource } from '../../api/validate.js';
import { parseDocuments } from '../parse.js';
import { normalizeIncoming } from '../store-object.js';
import type { ObjectPlace } from './layout.js';

/** One reason a file was not accepted, with the line it points at. */
export interface FileProblem {
  line: number;
  message: string;
}

/** A file's verdict: the object it holds, or why it cannot be used. */
export type ObjectFileResult = { resource: Resource } | { problems: FileProblem[] };

const HEADER = '# Plexus config store. Edits are picked up live; an invalid edit is logged and ignored.\n';

/** The text the store writes for an object. */
export function renderObjectFile(r: Resource): string {
  return HEADER + stringify(r, { lineWidth: 0, indentSeq: false });
}

/**
 * Reads one object file written by the store or by hand: exactly one document, valid, and
 * naming the object its place in the tree says. The namespace may be left out (the folder
 * gives it). Server fields in the file (resourceVersion, uid...) are kept for the store to use.
 */
export function readObjectFile(text: string, file: string, place: ObjectPlace): ObjectFileResult {
  const parsed = parseDocuments(text, file);
  if (parsed.problems.length > 0) return { problems: parsed.problems.map((p) => ({ line: p.line, message: p.message })) };
  if (parsed.documents.length !== 1) {
    return { problems: [{ line: parsed.documents[1]?.source.line ?? 1, message: `expected exactly one object in the file, found ${parsed.documents.length}` }] };
  }
  const { value, source } = parsed.documents[0];
  const raw = value as Resource;
  const meta = raw?.metadata as Resource['metadata'] | undefined;
  if (place.def.namespaced && meta && typeof meta === 'object' && meta.namespace === undefined) meta.namespace = place.namespace;
  const result = validateResource(raw);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const who = `${typeof raw?.kind === 'string' ? raw.kind : '<no kind>'} ${meta?.namespace ? `${String(meta.namespace)}/` : ''}${String(meta?.name ?? '<no name>')}`;
  if (errors.length > 0 || !result.definition) {
    return { problems: errors.map((d) => ({ line: source.lineOf(d.path), message: `${who}: ${d.path === '' ? '' : `${d.path}: `}${d.message}` })) };
  }
  const problems: FileProblem[] = [];
  if (result.definition !== place.def) problems.push({ line: source.lineOf('kind'), message: `${who}: the file holds a ${raw.kind} but its folder is for ${place.def.kind}` });
  if (meta?.name !== place.name) problems.push({ line: source.lineOf('metadata.name'), message: `${who}: metadata.name must match the file name ${JSON.stringify(place.name)}` });
  if (place.def.namespaced && meta?.namespace !== place.namespace) {
    problems.push({ line: source.lineOf('metadata.namespace'), message: `${who}: metadata.namespace must match the folder ${JSON.stringify(place.namespace)}` });
  }
  if (problems.length > 0) return { problems };
  const resource = normalizeIncoming(raw, result.definition);
  // Keep what the store wrote, so versions survive a restart.
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp'] as const) {
    if (meta?.[f] !== undefined) resource.metadata[f] = meta[f] as never;
  }
  return { resource };
}
