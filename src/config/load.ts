import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import type { SourcedResource } from '../api/resource.js';
import { parseDocuments, type ParseProblem, type ParsedDocument } from './parse.js';
import { meshConfigDocuments } from './mesh-config-source.js';

const CONFIG_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Everything read from a set of paths: resources with their sources, and syntax problems. */
export interface LoadResult {
  resources: SourcedResource[];
  problems: ParseProblem[];
}

/** Reads all of standard input (for `-f -`). */
export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot read standard input: ${(err as Error).message}`, { cause: err });
  }
}

/** Expands paths into files: a directory contributes its .yaml/.yml/.json files, recursively, sorted. */
export function expandPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (p: string, explicit: boolean): void => {
    if (p === '-') {
      files.push(p);
      return;
    }
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_IO', `cannot read ${p}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`, { cause: err });
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(join(p, name), false);
      }
    } else if (explicit || CONFIG_EXTENSIONS.some((ext) => p.endsWith(ext))) {
      files.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return files;
}

/** Parses the given text as one named source (a file, or `-` for stdin). */
export function loadText(text: string, file: string): LoadResult {
  const parsed = parseDocuments(text, file);
  return { resources: parsed.documents.flatMap(toResources), problems: parsed.problems };
}

/** Reads files, directories (recursively) and `-` (stdin), in order. */
export function loadPaths(paths: readonly string[], stdin: () => string = readStdin): LoadResult {
  const out: LoadResult = { resources: [], problems: [] };
  for (const file of expandPaths(paths)) {
    let text: string;
    try {
      text = file === '-' ? stdin() : readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof PlexusError) throw err;
      throw new PlexusError('PLEXUS_ERR_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    const r = loadText(text, file);
    out.resources.push(...r.resources);
    out.problems.push(...r.problems);
  }
  return out;
}

/**
 * A document becomes a resource as it is, except MeshConfig: a bare MeshConfig document
 * (no apiVersion and no kind) and the `mesh` key of Istio's `istio` ConfigMap are turned
 * into the MeshConfig pseudo-kind so they are validated and analysed like the rest.
 */
function toResources(doc: ParsedDocument): SourcedResource[] {
  const v = doc.value as Record<string, unknown>;
  // Runs first: a bare MeshConfig document is rewritten in place (value and source).
  const embedded = typeof v === 'object' && v !== null && !Array.isArray(v) ? meshConfigDocuments(doc) : [];
  return [{ resource: v as SourcedResource['resource'], source: doc.source }, ...embedded];
}
