import type { MeshConfig } from '../api/kinds/mesh-config/index.js';
import type { Resource } from '../api/resource.js';
import type { ConfigStore, StoreEvent } from '../config/store.js';
import type { AdsServer } from './ads-server.js';
import { Debouncer, type DebounceOptions } from './debounce.js';
import { JwksResolver, type JwksResolverOptions } from './jwks/jwks-resolver.js';
import { jwksSources } from './jwks/jwks-sources.js';
import { buildPushContext, type PushContext } from './push-context.js';
import { classifyChange, mergePushRequests, type PushRequest } from './push-request.js';

/** Options of {@link XdsController}. */
export interface XdsControllerOptions {
  store: ConfigStore;
  ads: AdsServer;
  debounce?: DebounceOptions;
  rootNamespace?: string;
  domainSuffix?: string;
  /** Allocate service VIPs from this range (the local controller: nothing else assigns ClusterIPs). */
  vipCidr?: string;
  /**
   * A last look at the config before each build: overlays the store does not hold (workload
   * health reported by proxies) and settings derived from it (the MeshConfig's root namespace,
   * which wins over `rootNamespace`).
   */
  prepare?: (resources: Resource<unknown>[]) => PreparedConfig;
  /** Timing of the JWKS cache (RequestAuthentication jwksUri); istiod's defaults otherwise. */
  jwks?: Omit<JwksResolverOptions, 'onChange'>;
}

/** What {@link XdsControllerOptions.prepare} returns. */
export interface PreparedConfig {
  resources: Resource<unknown>[];
  rootNamespace?: string;
  /** The trust bundle served as SDS `ROOTCA` (see {@link PushContextInput.trustBundlePem}). */
  trustBundlePem?: string;
  trustDomain?: string;
  /** The MeshConfig in force, when a file overrides what the store holds. */
  meshConfig?: MeshConfig;
}

function keyOf(r: Resource<unknown>): string {
  return `${r.apiVersion.split('/')[0]}|${r.kind}|${r.metadata.namespace ?? ''}|${r.metadata.name}`;
}

/**
 * Feeds the ADS server: watches the config store, debounces changes (100 ms quiet, 1 s at
 * most, as istiod does), rebuilds the registry and push context from the whole config, and
 * pushes — full, or endpoints only when nothing else changed.
 */
export class XdsController {
  private readonly cache = new Map<string, Resource<unknown>>();
  private readonly debouncer: Debouncer<PushRequest>;
  private unwatch: (() => void) | undefined;
  private pushes = 0;
  /** Fetched JWKS; a changed key set asks for a full push like a config change. */
  private readonly jwks: JwksResolver;

  constructor(private readonly options: XdsControllerOptions) {
    this.debouncer = new Debouncer(mergePushRequests, (req) => this.rebuild(req), options.debounce);
    this.jwks = new JwksResolver({ ...options.jwks, onChange: (reason) => this.requestPush({ full: true, configsUpdated: new Set(), reasons: new Set([reason]), start: Date.now() }) });
  }

  /** Loads the whole store, commits the first push context and starts watching. */
  async start(): Promise<PushContext> {
    const early: StoreEvent[] = [];
    // Watch first so nothing written during the initial list is lost.
    let listed = false;
    this.unwatch = this.options.store.watch((e) => (listed ? this.onEvent(e) : early.push(e)));
    for (const r of await this.options.store.list()) this.cache.set(keyOf(r), r);
    for (const e of early) this.apply(e);
    listed = true;
    // istiod fetches a missing JWKS while it builds; fetching first keeps the build synchronous.
    await this.jwks.prefetch(jwksSources([...this.cache.values()]));
    const push = this.build();
    this.pushes++;
    this.options.ads.push(push, { full: true, configsUpdated: new Set(), reasons: new Set(['initial']), start: Date.now() });
    return push;
  }

  private apply(e: StoreEvent): Resource<unknown> | undefined {
    const key = keyOf(e.resource);
    const before = this.cache.get(key);
    if (e.type === 'deleted') this.cache.delete(key);
    else this.cache.set(key, e.resource);
    return before;
  }

  private onEvent(e: StoreEvent): void {
    const before = this.apply(e);
    this.debouncer.push(classifyChange(before, e.type === 'deleted' ? undefined : e.resource));
  }

  private build(): PushContext {
    let resources = [...this.cache.values()];
    let rootNamespace = this.options.rootNamespace;
    let identity: Pick<PreparedConfig, 'trustBundlePem' | 'trustDomain' | 'meshConfig'> = {};
    if (this.options.prepare) {
      const prepared = this.options.prepare(resources);
      resources = prepared.resources;
      rootNamespace = prepared.rootNamespace ?? rootNamespace;
      identity = { trustBundlePem: prepared.trustBundlePem, trustDomain: prepared.trustDomain, ...(prepared.meshConfig ? { meshConfig: prepared.meshConfig } : {}) };
    }
    return buildPushContext({ resources, rootNamespace, domainSuffix: this.options.domainSuffix, ...(this.options.vipCidr ? { vipCidr: this.options.vipCidr } : {}), ...identity, jwks: this.jwks.snapshot() });
  }

  /** Asks for a push that no store change caused (a health report, a MeshConfig file); debounced like the rest. */
  requestPush(request: PushRequest): void {
    this.debouncer.push(request);
  }

  private async rebuild(req: PushRequest): Promise<void> {
    await this.jwks.prefetch(jwksSources([...this.cache.values()]));
    const push = this.build();
    this.pushes++;
    this.options.ads.push(push, req);
  }

  /** Number of push contexts committed so far. */
  pushCount(): number {
    return this.pushes;
  }

  /** Pushes pending changes now instead of waiting for the debounce window. */
  flush(): Promise<void> {
    return this.debouncer.flushNow();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.debouncer.close();
    this.jwks.close();
  }
}
