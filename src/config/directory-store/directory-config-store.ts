import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  private watcher?: FSWatcher;
  private interval?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;

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
    if (this.options.watch ?? true) this.startWatching();
    const period = this.options.rescanIntervalMs ?? 2000;
    if (period > 0) {
      this.interval = setInterval(() => void this.rescanLogged(), period);
      this.interval.unref();
    }
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.options.root, { recursive: true, persistent: false }, () => this.scheduleRescan());
      this.watcher.on('error', (err) => {
        this.logger.warn({ err }, 'watching the config directory failed; relying on the periodic rescan');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.logger.warn({ err }, 'cannot watch the config directory; relying on the periodic rescan');
    }
  }

  private scheduleRescan(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescanLogged(), WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private async rescanLogged(): Promise<void> {
    if (this.closed) return;
    try {
      await this.rescan();
    } catch (err) {
      this.logger.error({ err }, 'rescanning the config directory failed');
    }
  }

  /** Walks the tree; reads files whose stat changed; ingests good ones, logs bad ones, forgets removed ones. */
  private async scan(initial: boolean): Promise<void> {
    if (this.closed && !initial) return;
    const root = this.options.root;
    const seen = new Set<string>();
    const changed: { file: string; resource: Resource }[] = [];
    for (const file of await this.listFiles(initial)) {
      seen.add(file);
      let st;
      let text;
      try {
        st = await stat(file);
        const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
        const known = this.files.get(file);
        if (known?.stamp === stamp) continue;
        text = await readFile(file, 'utf8');
        const hash = createHash('sha256').update(text).digest('hex');
        this.files.set(file, { stamp, hash });
        if (known?.hash === hash) continue;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          seen.delete(file); // removed while we looked: handled as a removal below
          continue;
        }
        this.logger.error({ err, file }, 'cannot read config file');
        continue;
      }
      const place = placeOf(root, file);
      if ('error' in place) {
        this.logger.warn({ file }, `${file}: ignored: ${place.error}`);
        continue;
      }
      const result = readObjectFile(text, file, place);
      if ('problems' in result) {
        this.reportInvalid(file, result.problems, place.namespace === undefined ? { group: place.def.group, kind: place.def.kind, name: place.name } : { group: place.def.group, kind: place.def.kind, namespace: place.namespace, name: place.name });
        continue;
      }
      changed.push({ file, resource: result.resource });
    }
    if (initial) {
      // Versions found in files raise the counter first, so that objects without one get fresh versions.
      for (const { resource } of changed) {
        const rv = resource.metadata.resourceVersion;
        if (typeof rv === 'string' && /^[1-9]\d{0,15}$/.test(rv)) this.core.raiseRevision(Number(rv));
      }
    }
    for (const { file, resource } of changed) {
      const event = await this.core.ingest(resource, initial);
      if (event && !initial) this.logger.info({ file, resourceVersion: event.resource.metadata.resourceVersion }, `picked up ${file} (${event.type})`);
    }
    for (const file of [...this.files.keys()]) {
      if (seen.has(file)) continue;
      this.files.delete(file);
      const place = placeOf(root, file);
      if ('error' in place) continue;
      const event = this.core.remove({ group: place.def.group, kind: place.def.kind, namespace: place.namespace, name: place.name });
      if (event) this.logger.info({ file }, `${file} was removed: deleted ${describeId({ group: place.def.group, kind: place.def.kind, namespace: place.namespace, name: place.name })}`);
    }
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
