import jsyaml from 'js-yaml';
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, type Node as YamlNode } from 'yaml';
import { joinPath } from '../api/diagnostic.js';
import type { SourceRef } from '../api/resource.js';

/** One YAML or JSON document, as plain data, with the line of every field path. */
export interface ParsedDocument {
  value: unknown;
  source: SourceRef;
}

/** A syntax error in a document; the rest of the file is still parsed where possible. */
export interface ParseProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParseResult {
  documents: ParsedDocument[];
  problems: ParseProblem[];
}

/**
 * Parses multi-document YAML (JSON is a subset), keeping source lines. Empty documents are
 * dropped; a `kind: List` (kubectl's wrapper) or a top-level JSON array is unwrapped into
 * its items, each keeping its own lines.
 *
 * Values come from js-yaml (about eight times faster than building the `yaml` package's
 * document model); lines are needed only when something is reported, so the position index is
 * built on first use by re-parsing the text with `yaml`. Text js-yaml refuses is parsed with
 * `yaml` straight away, which reports each bad document and keeps the good ones.
 */
export function parseDocuments(text: string, file: string): ParseResult {
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: FAST_SCHEMA, filename: file }).filter((v) => v !== null && v !== undefined);
  } catch {
    return parseWithPositions(text, file);
  }
  let index: DocumentLines[] | undefined;
  const linesOf = (i: number): DocumentLines => {
    index ??= parseWithPositions(text, file).lines;
    return index[i] ?? { lines: new Map(), line: 1 };
  };
  const documents: ParsedDocument[] = [];
  values.forEach((value, i) => {
    const items = listItems(value);
    if (!items) documents.push({ value, source: lazySource(file, () => linesOf(i), '') });
    else items.forEach((item, j) => documents.push({ value: item, source: lazySource(file, () => linesOf(i), Array.isArray(value) ? `[${j}]` : `items[${j}]`) }));
  });
  return { documents, problems: [] };
}

/** YAML 1.2 core types plus merge keys (`<<`), as Kubernetes' YAML reader accepts; no timestamps. */
const FAST_SCHEMA = jsyaml.CORE_SCHEMA.extend([(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge]);

/** Line of every field path of one document, and of the document itself. */
interface DocumentLines {
  lines: Map<string, number>;
  line: number;
}

/** The slow, exact path: the `yaml` document model with positions and per-document errors. */
function parseWithPositions(text: string, file: string): ParseResult & { lines: DocumentLines[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const result: ParseResult & { lines: DocumentLines[] } = { documents: [], problems: [], lines: [] };
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) result.problems.push({ file, line: lineAt(e.pos[0]), message: e.message.split('\n')[0] });
      continue;
    }
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      result.problems.push({ file, line: lineAt(doc.range[0]), message: (err as Error).message });
      continue;
    }
    if (value === null || value === undefined) continue;
    const lines = new Map<string, number>();
    indexLines(doc.contents, '', lines, lineAt);
    const doclines: DocumentLines = { lines, line: lines.get('') ?? 1 };
    result.lines.push(doclines);
    const items = listItems(value);
    if (items) {
      items.forEach((item, i) => {
        const prefix = Array.isArray(value) ? `[${i}]` : `items[${i}]`;
        result.documents.push({ value: item, source: lazySource(file, () => doclines, prefix) });
      });
    } else {
      result.documents.push({ value, source: lazySource(file, () => doclines, '') });
    }
  }
  return result;
}

function listItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (typeof v === 'object' && v !== null && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) return v.items;
  return undefined;
}

function indexLines(node: YamlNode | null, path: string, lines: Map<string, number>, lineAt: (offset: number) => number): void {
  if (!node) return;
  if (node.range) lines.set(path, lineAt(node.range[0]));
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const child = joinPath(path, key);
      if (keyNode?.range) lines.set(child, lineAt(keyNode.range[0]));
      const valueNode = pair.value as YamlNode | null;
      if (isMap(valueNode) || isSeq(valueNode)) indexChildren(valueNode, child, lines, lineAt);
    }
  } else if (isSeq(node)) {
    indexChildren(node, path, lines, lineAt);
  }
}

function indexChildren(node: YamlNode, path: string, lines: Map<string, number>, lineAt: (offset: number) => number): void {
  if (isSeq(node)) {
    node.items.forEach((item, i) => indexLines(item as YamlNode, `${path}[${i}]`, lines, lineAt));
  } else if (isMap(node)) {
    const keep = lines.get(path);
    indexLines(node, path, lines, lineAt);
    if (keep !== undefined) lines.set(path, keep); // the key's line reads better than the value's
  }
}

/** A SourceRef whose paths are relative to `prefix` inside a document whose lines load on demand. */
function lazySource(file: string, load: () => DocumentLines, prefix: string): SourceRef {
  const lineOf = (path: string): number => {
    const { lines, line } = load();
    let p = prefix === '' ? path : path === '' ? prefix : path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
    for (;;) {
      const l = lines.get(p);
      if (l !== undefined) return l;
      if (p === prefix || p === '') return line;
      p = parentPath(p);
    }
  };
  return {
    file,
    get line() {
      return lineOf('');
    },
    lineOf,
  };
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``. */
export function parentPath(path: string): string {
  const m = /(\.[^.[\]]+|\[[^\]]*\])$/.exec(path);
  if (!m) return '';
  return path.slice(0, m.index);
}
