import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { kindDefinition } from '../../api/kinds/registry.js';
import { PlexusError } from '../../api/errors.js';
import type { Resource } from '../../api/resource.js';
import { CoreBackedStore } from '../core-backed-store.js';
import type { ResourceId } from '../store.js';
import type { StoreMutation } from '../store-core.js';
import { describeId } from '../store-object.js';
import { isTempFile, removeFileDurable, writeFileAtomic } from './atomic-write.js';
import { OBJECT_EXTENSION, objectFile, placeOf } from './layout.js';
import { readObjectFile, renderObjectFile, type FileProblem } from './object-file.js';
import { TreeWatcher } from './tree-watcher.js';

/** Options of the directory store. */
export interface DirectoryConfigStoreOptions {
  /** Root of the tree, normally `<home>/config`; created (mode 0700) when missing. */
  root: string;
  logger?: Logger;
  /** Watch the tree with fs.watch (default true). */
  watch?: boolean;
  /** Period of the full rescan that catches what fs.watch missed, in ms; 0 turns it off. Default 2000. */
  rescanIntervalMs?: number;
}

/** What the store last saw of a file, to skip files that did not change. */
interface FileState {
  stamp: string;
  hash: string;
}

/** Name of the file holding the revision high-water mark (a dot file: never read as an object). */
const REVISION_FILE = '.revision';
/** Revisions reserved per write of the high-water mark. */
const REVISION_BLOCK = 1000;
/** Delay that coalesces a burst of fs.watch events into one rescan. */
const WATCH_DEBOUNCE_MS = 50;

/**
 * The local-mode config store: one YAML file per object under `root` (see layout.ts),
 * written atomically, read back at start-up, and watched so that files edited by hand are
 * picked up. A hand-edited file that does not parse or validate is logged with file and
 * line, and the last good version keeps serving. Revisions never repeat across restarts: a
 * high-water mark is persisted ahead of use, a block at a time.
 */
export class DirectoryConfigStore extends CoreBackedStore {
  private readonly logger: Logger;
  private readonly files = new Map<string, FileState>();
  private reserved = 0;
  private closed = false;
  private watcher?: TreeWatcher;
  private interval?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  /** Object files fs.watch named since the last rescan; undefined means "scan everything". */
  private touched: Set<string> | undefined = new Set();

  private constructor(private readonly options: DirectoryConfigStoreOptions) {
    const logger = options.logger ?? pino({ name: 'config-store', level: 'info' }, pino.destination(2));
    super(logger);
    this.logger = logger;
  }

  /** Opens the store: loads every object file, then starts watching. */
  static async open(options: DirectoryConfigStoreOptions): Promise<DirectoryConfigStore> {
    const store = new DirectoryConfigStore(options);
    await store.start();
    return store;
  }

  /** The directory the store lives in. */
  get root(): string {
    return this.options.root;
  }

  /** Reads the tree now and applies what changed (normally the watcher and the timer do this). */
  rescan(): Promise<void> {
    return this.core.serial(() => this.scan(false));
  }

  override async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    await super.close();
  }

  private async start(): Promise<void> {
    const { root } = this.options;
    try {
      await mkdir(root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_IO', `cannot create the config directory ${root}: ${(err as Error).message}`, { cause: err });
    }
    this.core.raiseRevision(await this.readRevisionMark());
    await this.core.serial(() => this.scan(true));
    this.logger.info({ root, objects: this.core.list().length, revision: this.core.currentRevision }, 'config store loaded');
    if (this.options.watch ?? true) await this.startWatching();
    const period = this.options.rescanIntervalMs ?? 2000;
    if (period > 0) {
      this.interval = setInterval(() => void this.rescanLogged(), period);
      this.interval.unref();
    }
  }

  private async startWatching(): Promise<void> {
    this.watcher = new TreeWatcher(this.options.root, 2, {
      file: (path) => this.noteChange(path),
      tree: () => this.noteChange(undefined),
      error: (err) => this.logger.warn({ err }, 'cannot watch a config folder; relying on the periodic rescan'),
    });
    await this.watcher.sync();
  }

  /**
   * One watch event. An object file's event rescans just that file, so a burst of writes
   * (a large apply) costs one stat each; temp files of atomic writes are ignored; a folder
   * event rescans the tree.
   */
  private noteChange(file: string | undefined): void {
    if (this.closed) return;
    if (file !== undefined && isTempFile(basename(file))) return;
    if (file !== undefined && file.endsWith(OBJECT_EXTENSION)) this.touched?.add(file);
    else this.touched = undefined;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescanLogged(true), WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private async rescanLogged(fromWatch = false): Promise<void> {
    if (this.closed) return;
    try {
      const touched = fromWatch ? this.touched : undefined;
      this.touched = new Set();
      if (touched !== undefined) {
        await this.core.serial(() => this.scanFiles([...touched]));
        return;
      }
      // Watch new folders first, so that nothing written during the walk goes unseen.
      await this.watcher?.sync();
      await this.rescan();
    } catch (err) {
      this.logger.error({ err }, 'rescanning the config directory failed');
    }
  }

  /** Walks the tree; reads files whose stat changed; ingests good ones, logs bad ones, forgets removed ones. */
  private async scan(initial: boolean): Promise<void> {
    if (this.closed && !initial) return;
    const seen = new Set<string>();
    const changed: { file: string; resource: Resource }[] = [];
    for (const file of await this.listFiles(initial)) {
      if (await this.examine(file, changed)) seen.add(file);
    }
    if (initial) {
      // Versions found in files raise the counter first, so that objects without one get fresh versions.
      for (const { resource } of changed) {
        const rv = resource.metadata.resourceVersion;
        if (typeof rv === 'string' && /^[1-9]\d{0,15}$/.test(rv)) this.core.raiseRevision(Number(rv));
      }
    }
    await this.ingestChanged(changed, initial);
    for (const file of [...this.files.keys()]) if (!seen.has(file)) this.forget(file);
  }

  /** Rescans only these object files (named by fs.watch): changed, new or removed. */
  private async scanFiles(files: readonly string[]): Promise<void> {
    if (this.closed) return;
    const changed: { file: string; resource: Resource }[] = [];
    const gone: string[] = [];
    for (const file of files) if (!(await this.examine(file, changed))) gone.push(file);
    await this.ingestChanged(changed, false);
    for (const file of gone) if (this.files.has(file)) this.forget(file);
  }

  /**
   * Reads one file if its stat changed and queues its object when its content did. Returns
   * false when the file is gone.
   */
  private async examine(file: string, changed: { file: string; resource: Resource }[]): Promise<boolean> {
    let text;
    try {
      const st = await stat(file);
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const known = this.files.get(file);
      if (known?.stamp === stamp) return true;
      text = await readFile(file, 'utf8');
      const hash = createHash('sha256').update(text).digest('hex');
      this.files.set(file, { stamp, hash });
      if (known?.hash === hash) return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // removed while we looked
      this.logger.error({ err, file }, 'cannot read config file');
      return true;
    }
    const place = placeOf(this.options.root, file);
    if ('error' in place) {
      this.logger.warn({ file }, `${file}: ignored: ${place.error}`);
      return true;
    }
    const result = readObjectFile(text, file, place);
    if ('problems' in result) {
      this.reportInvalid(file, result.problems, place.namespace === undefined ? { group: place.def.group, kind: place.def.kind, name: place.name } : { group: place.def.group, kind: place.def.kind, namespace: place.namespace, name: place.name });
      return true;
    }
    changed.push({ file, resource: result.resource });
    return true;
  }

  private async ingestChanged(changed: readonly { file: string; resource: Resource }[], initial: boolean): Promise<void> {
    for (const { file, resource } of changed) {
      const event = await this.core.ingest(resource, initial);
      if (event && !initial) this.logger.info({ file, resourceVersion: event.resource.metadata.resourceVersion }, `picked up ${file} (${event.type})`);
    }
  }

  /** A file that vanished: its object is deleted. */
  private forget(file: string): void {
    this.files.delete(file);
    const place = placeOf(this.options.root, file);
    if ('error' in place) return;
    const id = { group: place.def.group, kind: place.def.kind, namespace: place.namespace, name: place.name };
    if (this.core.remove(id)) this.logger.info({ file }, `${file} was removed: deleted ${describeId(id)}`);
  }

  private reportInvalid(file: string, problems: FileProblem[], id: ResourceId): void {
    const lastGood = this.core.get(id);
    for (const p of problems) this.logger.error({ file, line: p.line }, `${file}:${p.line}: ${p.message}`);
    this.logger.warn(
      { file, problems: problems.length },
      lastGood
        ? `${file} is invalid and was ignored; ${describeId(id)} keeps serving resourceVersion ${lastGood.metadata.resourceVersion ?? '?'}`
        : `${file} is invalid and was ignored; ${describeId(id)} is not served until it is fixed`,
    );
  }

  /** Every object file in the tree (three levels deep); stale temp files are removed at start-up. */
  private async listFiles(initial: boolean): Promise<string[]> {
    const out: string[] = [];
    const entries = async (dir: string): Promise<import('node:fs').Dirent[]> => {
      try {
        return await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
        throw err;
      }
    };
    for (const ns of await entries(this.options.root)) {
      if (!ns.isDirectory() || ns.name.startsWith('.')) continue;
      for (const kind of await entries(join(this.options.root, ns.name))) {
        if (!kind.isDirectory() || kind.name.startsWith('.')) continue;
        const dir = join(this.options.root, ns.name, kind.name);
        for (const f of await entries(dir)) {
          if (initial && f.isFile() && isTempFile(f.name)) {
            // Left by a crash between write and rename; the target still holds the last good content.
            await rm(join(dir, f.name), { force: true });
            continue;
          }
          if (f.isFile() && !f.name.startsWith('.') && f.name.endsWith(OBJECT_EXTENSION)) out.push(join(dir, f.name));
        }
      }
    }
    return out.sort();
  }

  protected override async persist(m: StoreMutation): Promise<void> {
    const def = kindDefinition(m.id.group, m.id.kind);
    if (!def) throw new PlexusError('PLEXUS_ERR_INTERNAL', `no kind definition for ${m.id.group}/${m.id.kind}`);
    const file = objectFile(this.options.root, def, m.id.namespace, m.id.name);
    if (m.type === 'delete') {
      await removeFileDurable(file);
      this.files.delete(file);
      return;
    }
    const text = renderObjectFile(m.resource);
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_IO', `cannot create ${dirname(file)}: ${(err as Error).message}`, { cause: err });
    }
    await writeFileAtomic(file, text);
    const st = await stat(file);
    this.files.set(file, { stamp: `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`, hash: createHash('sha256').update(text).digest('hex') });
  }

  private async readRevisionMark(): Promise<number> {
    try {
      const n = Number((await readFile(join(this.options.root, REVISION_FILE), 'utf8')).trim());
      return Number.isSafeInteger(n) && n > 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  protected override async reserveRevision(revision: number): Promise<void> {
    if (revision <= this.reserved) return;
    const mark = revision + REVISION_BLOCK;
    await writeFileAtomic(join(this.options.root, REVISION_FILE), `${mark}\n`);
    this.reserved = mark;
  }
}
