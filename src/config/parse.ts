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
 */
export function parseDocuments(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const result: ParseResult = { documents: [], problems: [] };
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
    const docLine = lines.get('') ?? 1;
    const items = listItems(value);
    if (items) {
      items.forEach((item, i) => {
        const prefix = Array.isArray(value) ? `[${i}]` : `items[${i}]`;
        result.documents.push({ value: item, source: sourceRef(file, lines.get(prefix) ?? docLine, lines, prefix) });
      });
    } else {
      result.documents.push({ value, source: sourceRef(file, docLine, lines, '') });
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

/** A SourceRef whose paths are relative to `prefix` inside the parsed document. */
function sourceRef(file: string, line: number, lines: Map<string, number>, prefix: string): SourceRef {
  return {
    file,
    line,
    lineOf(path: string): number {
      let p = prefix === '' ? path : path === '' ? prefix : path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
      for (;;) {
        const l = lines.get(p);
        if (l !== undefined) return l;
        if (p === prefix || p === '') return line;
        p = parentPath(p);
      }
    },
  };
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``. */
export function parentPath(path: string): string {
  const m = /(\.[^.[\]]+|\[[^\]]*\])$/.exec(path);
  if (!m) return '';
  return path.slice(0, m.index);
}
