import type { Logger } from 'pino';
import type { Resource } from '../../api/resource.js';
import type { ConfigStore, ResourceId } from '../../config/store.js';
import { Counter } from '../../telemetry/counter.js';
import type { MetricFamily, MetricSource } from '../../telemetry/prometheus-text.js';
import {
  AUTO_REGISTER_GROUP_METADATA, AUTO_REGISTRATION_GROUP_ANNOTATION, CONNECTED_AT_ANNOTATION, DEFAULT_CLEANUP_GRACE_MS,
  DISCONNECTED_AT_ANNOTATION, HEALTH_CHECKS_ANNOTATION, WORKLOAD_CONTROLLER_ANNOTATION, WORKLOAD_ENTRY_METADATA,
} from './annotations.js';
import { ensureProxyCanControlEntry, type VerifiedWorkloadIdentity } from './ensure-can-control.js';
import { autoRegisteredEntryName, workloadEntryFromGroup, type RegisteringProxy } from './workload-entry-from-group.js';

/** A connected proxy as auto-registration sees it (a subset of the xDS ProxyInfo). */
export interface ConnectingProxy extends RegisteringProxy {
  readonly id: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * What the proxy's client certificate proved (xDS over TLS); undefined on plaintext. Without
   * it the proxy may neither register nor report health, as in istiod.
   */
  readonly verifiedIdentity?: VerifiedWorkloadIdentity;
}

/** A proxy's report on its workload (Istio's HealthInformation over ADS). */
export interface WorkloadHealth {
  readonly healthy: boolean;
  readonly message: string;
}

/** Options of {@link AutoRegistrationController}. */
export interface AutoRegistrationOptions {
  store: ConfigStore;
  logger: Logger;
  /** This controller's name, written to `istio.io/workloadController`. */
  instanceId: string;
  /** How long an entry outlives its proxy's connection (Istio: 10 s). */
  graceMs?: number;
  /** Health changed: the push context must be rebuilt (the store does not hold health). */
  onHealthChange?: () => void;
}

const WE = (namespace: string, name: string): ResourceId => ({ group: 'networking.istio.io', kind: 'WorkloadEntry', namespace, name });
const WG = (namespace: string, name: string): ResourceId => ({ group: 'networking.istio.io', kind: 'WorkloadGroup', namespace, name });
const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface Tracked {
  namespace: string;
  name: string;
  autoCreated: boolean;
  /** Live streams of this workload (a reconnect may overlap the old stream's end). */
  connections: number;
  connectedAt: string;
}

/**
 * Istio's WorkloadEntry auto-registration and health, for one controller:
 *
 * - a proxy whose node metadata names a WorkloadGroup (`AUTO_REGISTER_GROUP`) gets a
 *   WorkloadEntry `<group>-<ip>` built from the group, annotated with the group, this
 *   controller and the connect time; a reconnect updates the annotations;
 * - when its last stream ends the entry is marked `istio.io/disconnectedAt` and deleted a
 *   grace period later unless the proxy comes back;
 * - at start, auto-registered entries left by an earlier run are scheduled the same way, so
 *   workloads that never reconnect are cleaned up and those that do are kept;
 * - only a proxy with a verified identity (a mesh certificate on 15012) whose namespace and
 *   service account match the entry may register or control it (istiod's
 *   `ensureProxyCanControlEntry`); others are refused and counted as errors;
 * - health reports from the proxy controlling an entry become its `Healthy` condition.
 *   Health is held in memory and overlaid on the config before each push (the store keeps
 *   no status); entries with health checks enabled start unhealthy until the first report.
 *
 * Store writes run one at a time, in arrival order, so a connect and a disconnect of the
 * same proxy can never cross.
 */
export class AutoRegistrationController implements MetricSource {
  private readonly graceMs: number;
  private readonly tracked = new Map<string, Tracked>();
  private readonly byProxy = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly health = new Map<string, WorkloadHealth & { at: string }>();
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  readonly registered = new Counter('auto_registration_success_total', 'Total number of successful auto registrations.');
  readonly updates = new Counter('auto_registration_updates_total', 'Total number of auto registration updates.');
  readonly unregistered = new Counter('auto_registration_unregister_total', 'Total number of unregistrations.');
  readonly deletes = new Counter('auto_registration_deletes_total', 'Total number of auto registration cleaned up by periodic timer.');
  readonly errors = new Counter('auto_registration_errors_total', 'Total number of auto registration errors.');

  constructor(private readonly options: AutoRegistrationOptions) {
    this.graceMs = options.graceMs ?? DEFAULT_CLEANUP_GRACE_MS;
  }

  /** Schedules the cleanup of auto-registered entries whose proxies are not (yet) connected. */
  async start(): Promise<void> {
    const entries = await this.options.store.list({ group: 'networking.istio.io', kind: 'WorkloadEntry' });
    let stale = 0;
    for (const e of entries) {
      const ann = e.metadata.annotations ?? {};
      if (!ann[AUTO_REGISTRATION_GROUP_ANNOTATION]) continue;
      const ns = e.metadata.namespace ?? 'default';
      if (this.tracked.has(keyOf(ns, e.metadata.name))) continue;
      const disconnectedAt = Date.parse(ann[DISCONNECTED_AT_ANNOTATION] ?? '');
      // Connected to an earlier run of this controller, which is gone: the clock starts now.
      const due = Number.isNaN(disconnectedAt) ? Date.now() + this.graceMs : disconnectedAt + this.graceMs;
      this.scheduleCleanup(ns, e.metadata.name, Math.max(0, due - Date.now()));
      stale++;
    }
    if (stale > 0) this.options.logger.info({ entries: stale, graceMs: this.graceMs }, 'auto-registered WorkloadEntries from an earlier run wait for their proxies to reconnect');
  }

  /** Stops timers and ignores further events; pending writes finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.tail.catch(() => undefined);
  }

  private enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    const run = this.tail.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (err) {
        this.errors.inc();
        this.options.logger.error({ err }, `${what} failed`);
      }
    });
    this.tail = run;
    return run;
  }

  /** A proxy identified itself on connection `connectionId`. */
  proxyConnected(connectionId: string, proxy: ConnectingProxy): Promise<void> {
    const group = str(proxy.metadata[AUTO_REGISTER_GROUP_METADATA]);
    const existing = str(proxy.metadata[WORKLOAD_ENTRY_METADATA]);
    const name = group ? autoRegisteredEntryName(group, proxy) : existing;
    if (!name) {
      if (group) this.options.logger.warn({ proxy: proxy.id, group }, 'auto-registration impossible: the proxy sent no INSTANCE_IPS');
      return Promise.resolve();
    }
    const identity = proxy.verifiedIdentity;
    if (!identity || identity.namespace !== proxy.namespace) {
      this.errors.inc();
      this.options.logger.warn({ proxy: proxy.id, group, entry: existing, verified: identity !== undefined }, 'registration of WorkloadEntry requires a verified identity of its namespace; refused');
      return Promise.resolve();
    }
    const key = keyOf(proxy.namespace, name);
    this.byProxy.set(connectionId, key);
    const t = this.tracked.get(key);
    const connectedAt = new Date().toISOString();
    if (t) {
      t.connections++;
      t.connectedAt = connectedAt;
    } else {
      this.tracked.set(key, { namespace: proxy.namespace, name, autoCreated: group !== undefined, connections: 1, connectedAt });
    }
    this.cancelCleanup(key);
    return this.enqueue('auto-registration', async () => {
      try {
        await (group ? this.register(group, name, proxy, identity, connectedAt) : this.becomeController(name, proxy.namespace, identity, connectedAt));
      } catch (err) {
        // A refused or failed registration must not leave the stream able to report health.
        this.forget(connectionId, key);
        throw err;
      }
    });
  }

  private forget(connectionId: string, key: string): void {
    if (this.byProxy.get(connectionId) !== key) return;
    this.byProxy.delete(connectionId);
    const t = this.tracked.get(key);
    if (t && --t.connections <= 0) this.tracked.delete(key);
  }

  /** The stream `connectionId` ended. */
  proxyDisconnected(connectionId: string): Promise<void> {
    const key = this.byProxy.get(connectionId);
    if (!key) return Promise.resolve();
    this.byProxy.delete(connectionId);
    const t = this.tracked.get(key);
    if (!t || --t.connections > 0) return Promise.resolve();
    const disconnectedAt = new Date().toISOString();
    return this.enqueue('unregistration', async () => {
      // A reconnect queued before us already took the entry back.
      if (t.connections > 0) return;
      this.tracked.delete(key);
      const entry = await this.options.store.get(WE(t.namespace, t.name));
      if (!entry || entry.metadata.annotations?.[WORKLOAD_CONTROLLER_ANNOTATION] !== this.options.instanceId) return;
      const annotations = { ...(entry.metadata.annotations ?? {}) };
      delete annotations[CONNECTED_AT_ANNOTATION];
      annotations[DISCONNECTED_AT_ANNOTATION] = disconnectedAt;
      await this.write({ ...entry, metadata: { ...entry.metadata, annotations } }, entry.metadata.resourceVersion);
      if (t.autoCreated) {
        this.unregistered.inc();
        this.scheduleCleanup(t.namespace, t.name, this.graceMs);
      }
    });
  }

  /** Records a health report of the proxy on `connectionId` for the entry it controls. */
  healthReported(connectionId: string, report: WorkloadHealth): void {
    const key = this.byProxy.get(connectionId);
    if (!key) {
      this.options.logger.debug({ conn: connectionId }, 'health report from a proxy that controls no WorkloadEntry; ignored');
      return;
    }
    this.reportHealth(key, report);
  }

  /**
   * The hook other code calls to set an entry's health (`namespace/name`), e.g. an agent
   * report arriving some other way than ADS.
   */
  reportHealth(key: string, report: WorkloadHealth): void {
    const before = this.health.get(key);
    this.health.set(key, { ...report, at: new Date().toISOString() });
    if (before?.healthy !== report.healthy || before.message !== report.message) {
      this.options.logger.info({ entry: key, healthy: report.healthy, message: report.message || undefined }, 'workload health changed');
      this.options.onHealthChange?.();
    }
  }

  /**
   * Overlays health on WorkloadEntries as Istio's `status.conditions[type=Healthy]`, which
   * the registry reads; called before each push context build.
   */
  overlayHealth(resources: Resource<unknown>[]): Resource<unknown>[] {
    return resources.map((r) => {
      if (r.kind !== 'WorkloadEntry') return r;
      const key = keyOf(r.metadata.namespace ?? 'default', r.metadata.name);
      const h = this.health.get(key);
      const checked = r.metadata.annotations?.[HEALTH_CHECKS_ANNOTATION];
      if (!h && checked !== 'true') return r;
      // Annotated entries without a report are not ready yet, as in Istio.
      const healthy = checked !== undefined && checked !== 'true' ? true : h?.healthy ?? false;
      const condition = {
        type: 'Healthy', status: healthy ? 'True' : 'False',
        ...(h && !h.healthy && h.message ? { message: h.message } : {}),
        ...(h ? { lastProbeTime: h.at, lastTransitionTime: h.at } : {}),
      };
      return { ...r, status: { conditions: [condition] } };
    });
  }

  /** Entries whose proxy is connected now, as `namespace/name`. */
  connectedEntries(): string[] {
    return [...this.tracked.keys()].sort();
  }

  private async register(group: string, name: string, proxy: ConnectingProxy, identity: VerifiedWorkloadIdentity, connectedAt: string): Promise<void> {
    const { store, logger, instanceId } = this.options;
    const existing = await store.get(WE(proxy.namespace, name));
    if (existing) {
      ensureProxyCanControlEntry(identity, existing);
      const annotations: Record<string, string> = { ...(existing.metadata.annotations ?? {}), [WORKLOAD_CONTROLLER_ANNOTATION]: instanceId, [CONNECTED_AT_ANNOTATION]: connectedAt };
      delete annotations[DISCONNECTED_AT_ANNOTATION];
      await this.write({ ...existing, metadata: { ...existing.metadata, annotations } }, existing.metadata.resourceVersion);
      this.updates.inc();
      logger.info({ entry: `${proxy.namespace}/${name}`, proxy: proxy.id }, 'auto-registered WorkloadEntry reconnected');
      return;
    }
    const groupObj = await store.get(WG(proxy.namespace, group));
    if (!groupObj) throw new Error(`auto-registration of ${proxy.id} failed: cannot find WorkloadGroup ${proxy.namespace}/${group}`);
    const entry = workloadEntryFromGroup(name, proxy, groupObj);
    ensureProxyCanControlEntry(identity, entry);
    entry.metadata.annotations = { ...entry.metadata.annotations, [WORKLOAD_CONTROLLER_ANNOTATION]: instanceId, [CONNECTED_AT_ANNOTATION]: connectedAt };
    await this.write(entry, undefined);
    this.registered.inc();
    logger.info({ entry: `${proxy.namespace}/${name}`, proxy: proxy.id, group }, 'auto-registered WorkloadEntry');
  }

  /** A proxy reporting for an entry someone else created: take it over, never create it. */
  private async becomeController(name: string, namespace: string, identity: VerifiedWorkloadIdentity, connectedAt: string): Promise<void> {
    const existing = await this.options.store.get(WE(namespace, name));
    if (!existing) throw new Error(`the proxy names WorkloadEntry ${namespace}/${name}, which does not exist`);
    ensureProxyCanControlEntry(identity, existing);
    const annotations: Record<string, string> = { ...(existing.metadata.annotations ?? {}), [WORKLOAD_CONTROLLER_ANNOTATION]: this.options.instanceId, [CONNECTED_AT_ANNOTATION]: connectedAt };
    delete annotations[DISCONNECTED_AT_ANNOTATION];
    await this.write({ ...existing, metadata: { ...existing.metadata, annotations } }, existing.metadata.resourceVersion);
  }

  private async write(entry: Resource, expectedVersion: string | undefined): Promise<void> {
    const result = await this.options.store.apply(entry, expectedVersion ? { expectedVersion } : {});
    if (result.outcome === 'invalid') throw new Error(`WorkloadEntry ${entry.metadata.namespace}/${entry.metadata.name} is invalid: ${result.diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
    if (result.outcome === 'conflict') throw new Error(result.message);
  }

  private cancelCleanup(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private scheduleCleanup(namespace: string, name: string, delayMs: number): void {
    const key = keyOf(namespace, name);
    this.cancelCleanup(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.enqueue('auto-registration cleanup', async () => {
        if (this.tracked.has(key)) return;
        const entry = await this.options.store.get(WE(namespace, name));
        // Single-controller homes: an entry no live stream of ours holds is stale. (Several
        // controllers sharing a store would need Istio's max-connection-age rule here.)
        if (!entry?.metadata.annotations?.[AUTO_REGISTRATION_GROUP_ANNOTATION]) return;
        await this.options.store.delete(WE(namespace, name), { expectedVersion: entry.metadata.resourceVersion });
        this.health.delete(key);
        this.deletes.inc();
        this.options.logger.info({ entry: key }, 'cleaned up auto-registered WorkloadEntry: its proxy did not reconnect within the grace period');
      });
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  collect(): MetricFamily[] {
    return [this.registered.collect(), this.updates.collect(), this.unregistered.collect(), this.deletes.collect(), this.errors.collect()];
  }
}
