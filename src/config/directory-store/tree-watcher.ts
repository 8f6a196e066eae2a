import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What the tree watcher reports. */
export interface TreeWatcherEvents {
  /** A file in a leaf folder (`<root>/<a>/<b>/<file>`) changed, appeared or went away. */
  file(path: string): void;
  /** Something above the leaves changed (a folder came or went): rescan everything. */
  tree(): void;
  error(err: Error): void;
}

/**
 * Watches a tree of fixed depth with one plain fs.watch (inotify) per folder. Node 20's
 * `recursive: true` watcher on Linux re-reads the whole tree on every event, which made a
 * 3,000-object apply quadratic; a watcher per folder costs one event per write. Folders
 * appearing or vanishing are picked up by `sync()`, which the owner calls after each rescan.
 */
export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly root: string,
    /** Depth of the leaf folders below root (2 for `<namespace>/<kind>`). */
    private readonly leafDepth: number,
    private readonly on: TreeWatcherEvents,
  ) {}

  /** Starts watching (or catches up with) every folder down to the leaves. */
  async sync(): Promise<void> {
    if (this.closed) return;
    const present = new Set<string>();
    const walk = async (dir: string, depth: number): Promise<void> => {
      present.add(dir);
      this.watchFolder(dir, depth);
      if (depth === this.leafDepth) return;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // gone meanwhile: dropped below
      }
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name), depth + 1);
    };
    await walk(this.root, 0);
    for (const [dir, w] of this.watchers) {
      if (present.has(dir)) continue;
      w.close();
      this.watchers.delete(dir);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private watchFolder(dir: string, depth: number): void {
    if (this.closed || this.watchers.has(dir)) return;
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_event, name) => {
        if (depth === this.leafDepth && name) this.on.file(join(dir, name.toString()));
        else this.on.tree();
      });
    } catch (err) {
      this.on.error(err as Error);
      return;
    }
    // A watched folder that is removed ends its watcher; the next sync() forgets it.
    w.on('error', () => {
      w.close();
      if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      this.on.tree();
    });
    this.watchers.set(dir, w);
  }
}
