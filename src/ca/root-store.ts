import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { joinPem } from './pem.js';
import { createSelfSignedRoot, type CaKeyPairPem } from './root-certificate.js';
import { loadSigner, type Signer } from './signer.js';

/** One self-signed root the store knows, with its key loaded. */
interface StoredRoot {
  id: string;
  signer: Signer;
}

/** state.json: the single commit point of the store; every other file is written before it. */
interface RootState {
  active: string;
  next?: { id: string; activatesAt: number; overlapMs: number };
  previous: { id: string; trustedUntil: number }[];
}

/** Options of the self-signed root store. */
export interface RootStoreOptions {
  /** `<home>/ca`; undefined keeps everything in memory (tests, benchmarks). */
  dir?: string;
  keyAlgorithm: KeyAlgorithm;
  trustDomain: string;
  rootValidityYears: number;
}

/**
 * The self-signed roots of a CA that made its own: the active one that signs, at most one "next"
 * root that is already trusted but signs only from its activation time (so that every workload
 * holds it in its bundle before any peer presents a certificate from it), and previous roots that
 * stay trusted until the certificates they signed have expired.
 *
 * On disk (`<home>/ca/`): `roots/<id>/root-cert.pem` and `root-key.pem` (0600) per root, and
 * `state.json` naming their roles, written last and atomically so that a crash leaves either
 * the old or the new state. `root-cert.pem` beside it is the current trust bundle, for people.
 */
export class RootStore {
  private roots = new Map<string, StoredRoot>();
  private state!: RootState;

  private constructor(private readonly opts: RootStoreOptions) {}

  /** Loads the roots from `dir`, creating the first root when there is none. */
  static async open(opts: RootStoreOptions): Promise<{ store: RootStore; created: boolean }> {
    const store = new RootStore(opts);
    const statePath = opts.dir && join(opts.dir, 'state.json');
    if (statePath && existsSync(statePath)) {
      let state: RootState;
      try {
        state = JSON.parse(readFileSync(statePath, 'utf8')) as RootState;
      } catch (err) {
        throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `${statePath}: ${(err as Error).message}`, { cause: err });
      }
      for (const id of [state.active, state.next?.id, ...state.previous.map((p) => p.id)]) {
        if (id) store.roots.set(id, await store.loadRoot(id));
      }
      store.state = state;
      return { store, created: false };
    }
    const first = await store.createRoot();
    store.state = { active: first.id, previous: [] };
    store.commit();
    return { store, created: true };
  }

  /** The root that signs now. Promotes the next root first when its time has come. */
  active(now = Date.now()): Signer {
    this.promoteIfDue(now);
    return this.root(this.state.active).signer;
  }

  /** Every root a workload must trust now: active, next, and previous ones still in their overlap. */
  trusted(now = Date.now()): Signer[] {
    this.promoteIfDue(now);
    return this.trustedAt(now);
  }

  /** When the pending root starts signing, if there is one. */
  pendingActivation(): Date | undefined {
    return this.state.next ? new Date(this.state.next.activatesAt) : undefined;
  }

  /**
   * Creates a new root that is trusted at once and signs from `activatesAt`; the current root
   * stays trusted until `activatesAt + overlapMs` so that the certificates it signed can expire.
   */
  async rotate(activatesAt: number, overlapMs: number): Promise<Signer> {
    this.promoteIfDue(Date.now());
    if (this.state.next) throw new PlexusError('PLEXUS_ERR_CA_ROTATION', `a root rotation is already pending until ${new Date(this.state.next.activatesAt).toISOString()}`);
    const root = await this.createRoot();
    this.state = { ...this.state, next: { id: root.id, activatesAt, overlapMs }, previous: [...this.state.previous] };
    this.commit();
    this.promoteIfDue(Date.now());
    return root.signer;
  }

  private promoteIfDue(now: number): void {
    const next = this.state.next;
    if (!next || next.activatesAt > now) return;
    const previous = this.state.previous.filter((p) => p.trustedUntil > now);
    previous.push({ id: this.state.active, trustedUntil: next.activatesAt + next.overlapMs });
    this.state = { active: next.id, previous };
    this.commit();
  }

  private root(id: string): StoredRoot {
    const r = this.roots.get(id);
    if (!r) throw new PlexusError('PLEXUS_ERR_INTERNAL', `root ${id} is named in the CA state but not loaded`);
    return r;
  }

  private async createRoot(): Promise<StoredRoot> {
    const pem = await createSelfSignedRoot({ keyAlgorithm: this.opts.keyAlgorithm, trustDomain: this.opts.trustDomain, years: this.opts.rootValidityYears });
    const signer = await loadSigner(pem.certPem, pem.keyPem, 'generated root');
    const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${signer.cert.serialNumber.slice(0, 8)}`;
    if (this.opts.dir) this.writeRoot(id, pem);
    const root = { id, signer };
    this.roots.set(id, root);
    return root;
  }

  private writeRoot(id: string, pem: CaKeyPairPem): void {
    const dir = join(this.opts.dir as string, 'roots', id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(dir, 'root-key.pem'), pem.keyPem, 0o600);
    writeFileAtomic(join(dir, 'root-cert.pem'), pem.certPem, 0o644);
  }

  private async loadRoot(id: string): Promise<StoredRoot> {
    const dir = join(this.opts.dir as string, 'roots', id);
    let certPem: string;
    let keyPem: string;
    try {
      certPem = readFileSync(join(dir, 'root-cert.pem'), 'utf8');
      keyPem = readFileSync(join(dir, 'root-key.pem'), 'utf8');
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `cannot read root ${id}: ${(err as Error).message}`, { cause: err });
    }
    return { id, signer: await loadSigner(certPem, keyPem, join(dir, 'root-cert.pem')) };
  }

  private commit(): void {
    if (!this.opts.dir) return;
    writeFileAtomic(join(this.opts.dir, 'state.json'), `${JSON.stringify(this.state, null, 2)}\n`, 0o644);
    writeFileAtomic(join(this.opts.dir, 'root-cert.pem'), joinPem(this.trustedAt(Date.now()).map((s) => s.certPem)), 0o644);
  }

  private trustedAt(now: number): Signer[] {
    const ids = [this.state.active, this.state.next?.id, ...this.state.previous.filter((p) => p.trustedUntil > now).map((p) => p.id)];
    return ids.filter((id): id is string => id !== undefined).map((id) => this.root(id).signer);
  }
}
