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
  const bracketProblem = excessiveBrackets(text, file);
  if (bracketProblem) return { documents: [], problems: [bracketProblem] };
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: FAST_SCHEMA, filename: file, maxDepth: MAX_DEPTH } as jsyaml.LoadOptions).filter((v) => v !== null && v !== undefined);
  } catch (err) {
    const e = err as { reason?: string; mark?: { line?: number } };
    if (e.reason?.includes('maxDepth')) return { documents: [], problems: [{ file, line: (e.mark?.line ?? 0) + 1, message: tooDeepMessage() }] };
    return parseWithPositions(text, file);
  }
  // js-yaml hands aliases over as shared objects, which later expand (a "billion laughs" bomb):
  // documents with any go through the `yaml` package, which counts alias expansions.
  if (values.some(hasSharedNodes)) return parseWithPositions(text, file);
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

/** Deepest nesting of a document (js-yaml's own default), checked by both parsers. */
export const MAX_DEPTH = 100;
/** Alias expansions allowed per document, weighted by what each alias holds (the `yaml` package's rule). */
export const MAX_ALIAS_COUNT = 100;
/**
 * Flow brackets (`[`, `{`) open at once in the raw text, checked before any parser sees it: past
 * some ten thousand the `yaml` package exhausts memory instead of reporting an error.
 */
const MAX_OPEN_BRACKETS = 1000;

const tooDeepMessage = (): string => `the document is nested deeper than ${MAX_DEPTH} levels; refused (no Istio resource comes close)`;

/** A problem when the text opens more flow brackets at once than any parser should be given. */
function excessiveBrackets(text: string, file: string): ParseProblem | undefined {
  let open = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 91 || c === 123) {
      if (++open > MAX_OPEN_BRACKETS) return { file, line, message: tooDeepMessage() };
    } else if ((c === 93 || c === 125) && open > 0) open--;
  }
  return undefined;
}

/** True when an object or array is reachable twice (an alias), or in a cycle. Iterative: values may be deep. */
function hasSharedNodes(root: unknown): boolean {
  if (typeof root !== 'object' || root === null) return false;
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) return true;
    seen.add(node);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return false;
}

/** Nesting depth of plain data (1 for a scalar), without recursion. */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    if (typeof node !== 'object' || node === null) continue;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, d + 1]);
  }
  return max;
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
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // kubectl's words for the same refusal ("yaml: document contains excessive aliasing").
      const message = err instanceof ReferenceError && /alias/i.test(err.message)
        ? `the document contains excessive aliasing (more than ${MAX_ALIAS_COUNT} alias expansions, as in a "billion laughs" YAML bomb); refused`
        : (err as Error).message;
      result.problems.push({ file, line: lineAt(doc.range[0]), message });
      continue;
    }
    // Aliases passed the count above, so this walk is bounded too; depth is limited as js-yaml limits it.
    if (depthOf(value) > MAX_DEPTH + 1) {
      result.problems.push({ file, line: lineAt(doc.range[0]), message: tooDeepMessage() });
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
