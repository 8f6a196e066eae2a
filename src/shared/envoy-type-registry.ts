import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type protobuf from 'protobufjs';
import { createEnvoyProtoRoot, envoyProtoIncludeDirs, protobufjs } from './envoy-proto-loader.js';

/** What looking up a message type by its full name found. */
export type EnvoyTypeLookup =
  | { readonly type: protobuf.Type }
  /** No .proto file declares the type's package. */
  | { readonly missing: 'package'; readonly package: string }
  /** The package exists but has no message of that name. */
  | { readonly missing: 'type'; readonly package: string }
  /** The type may exist, but (some of) its package's files could not be read. */
  | { readonly failed: string };

/** A package after its first lookup: loaded (perhaps without some unreadable files) or not at all. */
type PackageState = { loaded: true; unreadable: readonly string[] } | { loaded: false; result: EnvoyTypeLookup };

const IMPORT = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm;

/**
 * Message types of Envoy's API and of the xds, udpa, googleapis and google.protobuf types it
 * uses, read from the .proto files `@grpc/grpc-js-xds` ships, on first use: looking up
 * `envoy.extensions.filters.http.lua.v3.Lua` loads every file of the folder
 * envoy/extensions/filters/http/lua/v3 (and whatever they import) into one root that keeps
 * growing. Nothing is read until the first lookup, so processes that never check an Envoy
 * value never pay for the protos. Files whose imports the copy lacks (the OpenCensus tracer
 * imports opencensus/…, which is not shipped) are left out rather than spoiling the root.
 */
export class EnvoyTypeRegistry {
  private root?: protobuf.Root;
  private readonly packages = new Map<string, PackageState>();
  /** The files loaded so far, to rebuild the root after a failed load. */
  private readonly loadedFiles: string[] = [];
  /** Whether a file and everything it imports exists, by absolute path. */
  private readonly readable = new Map<string, boolean>();
  private dirsNow?: readonly string[];

  constructor(dirs?: readonly string[]) {
    this.dirsNow = dirs;
  }

  private get dirs(): readonly string[] {
    this.dirsNow ??= envoyProtoIncludeDirs();
    return this.dirsNow;
  }

  /** The message type `fullName` (`envoy.config.cluster.v3.Cluster`, nested names too). */
  lookup(fullName: string): EnvoyTypeLookup {
    const name = fullName.startsWith('.') ? fullName.slice(1) : fullName;
    const pkg = packageOf(name);
    let state = this.packages.get(pkg);
    if (state === undefined) {
      state = this.loadPackage(pkg);
      this.packages.set(pkg, state);
    }
    if (!state.loaded) return state.result;
    const found = this.rootNow().lookup(name);
    if (found instanceof protobufjs().Type) return { type: found };
    if (state.unreadable.length > 0) {
      return { failed: `${name} is not in the readable files of package ${pkg}; ${state.unreadable.join(', ')} import protos that Plexus's copy of Envoy's API lacks` };
    }
    return { missing: 'type', package: pkg };
  }

  /** Full names of the messages declared directly in a package that a lookup has loaded. */
  messagesIn(pkg: string): string[] {
    const ns = this.packages.get(pkg)?.loaded ? this.rootNow().lookup(pkg) : null;
    const pb = protobufjs();
    if (!(ns instanceof pb.Namespace)) return [];
    return ns.nestedArray.filter((n) => n instanceof pb.Type).map((n) => n.fullName.slice(1));
  }

  private rootNow(): protobuf.Root {
    if (!this.root) {
      this.root = createEnvoyProtoRoot(this.dirs);
      // The well-known types ship with protobufjs, so google.protobuf.Any and friends always resolve.
      this.root.loadSync(bundledWellKnownFiles(), { keepCase: true });
    }
    return this.root;
  }

  private loadPackage(pkg: string): PackageState {
    const files = pkg === 'google.protobuf' ? bundledWellKnownFiles() : [];
    const unreadable: string[] = [];
    if (pkg !== '') {
      const rel = pkg.split('.').join('/');
      for (const dir of this.dirs) {
        const folder = join(dir, rel);
        if (!existsSync(folder)) continue;
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          if (!entry.isFile() || !entry.name.endsWith('.proto')) continue;
          const file = join(folder, entry.name);
          if (this.isReadable(file)) files.push(file);
          else unreadable.push(basename(file));
        }
      }
    }
    if (files.length === 0) {
      if (unreadable.length > 0) return { loaded: false, result: { failed: `package ${pkg} imports protos that Plexus's copy of Envoy's API lacks` } };
      return { loaded: false, result: { missing: 'package', package: pkg } };
    }
    try {
      this.rootNow().loadSync(files, { keepCase: true });
      this.loadedFiles.push(...files);
      return { loaded: true, unreadable };
    } catch (err) {
      // What was read of the package stays in the root and would fail every later resolve, so
      // start a new root from the files that did load (they load again: they did before).
      this.root = undefined;
      if (this.loadedFiles.length > 0) this.rootNow().loadSync(this.loadedFiles, { keepCase: true });
      return { loaded: false, result: { failed: `cannot read the protos of package ${pkg}: ${(err as Error).message}` } };
    }
  }

  /** Whether `file` and everything it imports, transitively, can be found. */
  private isReadable(file: string): boolean {
    const known = this.readable.get(file);
    if (known !== undefined) return known;
    this.readable.set(file, true); // import cycles end here
    let ok = true;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = m[1];
      if (target.startsWith('google/protobuf/') && target in protobufjs().common) continue;
      const found = this.dirs.map((d) => join(d, target)).find((p) => existsSync(p));
      if (!found || !this.isReadable(found)) {
        ok = false;
        break;
      }
    }
    this.readable.set(file, ok);
    return ok;
  }
}

/**
 * The package of a full message name: the segments before the first capitalised one, which is
 * how protobuf packages and messages are named (`envoy.config.cluster.v3.Cluster.LbPolicy` →
 * `envoy.config.cluster.v3`).
 */
export function packageOf(fullName: string): string {
  const parts = fullName.split('.');
  const first = parts.findIndex((p) => /^[A-Z]/.test(p));
  return (first < 0 ? parts.slice(0, -1) : parts.slice(0, first)).join('.');
}

function bundledWellKnownFiles(): string[] {
  return Object.keys(protobufjs().common).filter((k) => k.endsWith('.proto'));
}

let shared: EnvoyTypeRegistry | undefined;

/** The process-wide registry (created on first call; loads nothing until a lookup). */
export function envoyTypeRegistry(): EnvoyTypeRegistry {
  shared ??= new EnvoyTypeRegistry();
  return shared;
}
