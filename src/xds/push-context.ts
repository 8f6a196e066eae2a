import type { MeshConfig } from '../api/kinds/mesh-config/index.js';
import type { DestinationRuleSpec } from '../api/kinds/destination-rule/types.js';
import type { VirtualServiceSpec } from '../api/kinds/virtual-service/types.js';
import type { Resource } from '../api/resource.js';
import { buildRegistry } from '../registry/build-registry.js';
import { DEFAULT_DOMAIN_SUFFIX, hostMatches, resolveShortHost } from '../registry/hostname.js';
import type { RegistrySnapshot, ServiceModel } from '../registry/model.js';
import type { JwksLookup } from './jwks/jwks-resolver.js';
import { isVisible } from './visibility.js';

/** A config object as the push context indexes it: hosts already resolved to FQDNs. */
export interface IndexedConfig<Spec> {
  readonly name: string;
  readonly namespace: string;
  readonly spec: Spec;
  readonly hosts: readonly string[];
  readonly exportTo: readonly string[];
  readonly creationTimestamp?: string;
  readonly resourceVersion?: string;
}

/** Who is asking: enough of the proxy to apply namespace visibility and selectors. */
export interface ProxyScope {
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Inputs of {@link buildPushContext}. */
export interface PushContextInput {
  /** Every config object (Istio kinds and core kinds); unrelated kinds are ignored. */
  readonly resources: readonly Resource<unknown>[];
  /** A registry built elsewhere; built from `resources` when omitted. */
  readonly registry?: RegistrySnapshot;
  /** Mesh root namespace (mesh-wide DestinationRules); `istio-system` by default. */
  readonly rootNamespace?: string;
  readonly domainSuffix?: string;
  /** Allocate VIPs from this range to services without one (see RegistryOptions.vipCidr). */
  readonly vipCidr?: string;
  /**
   * The mesh trust bundle (PEM: the CA's roots, roots of a rotation still in overlap, and the
   * MeshConfig's extra trust anchors), served as the SDS secret `ROOTCA`. Absent when the
   * controller runs without a CA; then no `ROOTCA` is served.
   */
  readonly trustBundlePem?: string;
  /** Trust domain of the mesh CA's certificates (SPIFFE ids in SAN matchers); MeshConfig's otherwise. */
  readonly trustDomain?: string;
  /** The controller's JWKS cache (jwksUri keys inlined into jwt_authn); absent offline. */
  readonly jwks?: JwksLookup;
  /**
   * The MeshConfig in force when it does not come from `resources` alone (`plexus controller
   * --mesh-config FILE`); resolved from the stored MeshConfig / `istio` ConfigMap otherwise.
   */
  readonly meshConfig?: MeshConfig;
}

const NETWORKING = 'networking.istio.io';
let pushCounter = 0;

function groupOf(r: Resource<unknown>): string {
  const slash = r.apiVersion.indexOf('/');
  return slash < 0 ? '' : r.apiVersion.slice(0, slash);
}

function byAge<T extends { creationTimestamp?: string; namespace: string; name: string }>(a: T, b: T): number {
  return (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

function addTo<T>(index: Map<string, T[]>, key: string, value: T): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/** The most specific entry for `host`: an exact key, else the longest matching wildcard. */
function lookupHost<T>(index: ReadonlyMap<string, T[]>, wildcards: readonly string[], host: string): T[] {
  const exact = index.get(host);
  if (exact && exact.length > 0) return exact;
  for (const pattern of wildcards) if (hostMatches(pattern, host)) return index.get(pattern) ?? [];
  return [];
}

/**
 * An immutable index of everything generators read for one push: the registry's services,
 * VirtualServices by host, DestinationRules by host (with subsets), and the visibility
 * rules between namespaces. Rebuilt as a whole on every debounced change; generators never
 * see a half-applied config.
 */
export class PushContext {
  /** Unique per build, for logs and status (`2025-01-01T00:00:00.000Z/7`). */
  readonly version: string;
  readonly registry: RegistrySnapshot;
  readonly rootNamespace: string;
  readonly domainSuffix: string;
  readonly trustBundlePem: string | undefined;
  readonly trustDomain: string | undefined;
  /** See {@link PushContextInput.meshConfig}. */
  readonly meshConfig: MeshConfig | undefined;
  /** Fetched JWKS documents by issuer and jwksUri; undefined when nothing fetches (offline). */
  readonly jwks: JwksLookup | undefined;
  readonly virtualServices: readonly IndexedConfig<VirtualServiceSpec>[];
  readonly destinationRules: readonly IndexedConfig<DestinationRuleSpec>[];
  /** Every input object, for generators that index other kinds (Gateway, Sidecar, MeshConfig, Namespace). */
  readonly resources: readonly Resource<unknown>[];
  private readonly vsByHost = new Map<string, IndexedConfig<VirtualServiceSpec>[]>();
  private readonly vsWildcards: string[] = [];
  private readonly drByHost = new Map<string, IndexedConfig<DestinationRuleSpec>[]>();
  private readonly drWildcards: string[] = [];

  constructor(input: PushContextInput) {
    this.domainSuffix = input.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
    this.rootNamespace = input.rootNamespace ?? 'istio-system';
    this.trustBundlePem = input.trustBundlePem;
    this.trustDomain = input.trustDomain;
    this.meshConfig = input.meshConfig;
    this.jwks = input.jwks;
    this.registry = input.registry ?? buildRegistry(input.resources, { domainSuffix: this.domainSuffix, ...(input.vipCidr ? { vipCidr: input.vipCidr } : {}) });
    this.version = `${new Date().toISOString()}/${++pushCounter}`;
    this.resources = Object.freeze([...input.resources]);
    const vss: IndexedConfig<VirtualServiceSpec>[] = [];
    const drs: IndexedConfig<DestinationRuleSpec>[] = [];
    for (const r of input.resources) {
      if (groupOf(r) !== NETWORKING) continue;
      const namespace = r.metadata.namespace ?? 'default';
      const common = { name: r.metadata.name, namespace, creationTimestamp: r.metadata.creationTimestamp, resourceVersion: r.metadata.resourceVersion };
      if (r.kind === 'VirtualService') {
        const spec = (r.spec ?? {}) as VirtualServiceSpec;
        // Only mesh-bound VirtualServices route sidecar and proxyless traffic.
        const gateways = spec.gateways ?? [];
        if (gateways.length > 0 && !gateways.includes('mesh')) continue;
        const hosts = (spec.hosts ?? []).map((h) => resolveShortHost(h, namespace, this.domainSuffix));
        vss.push(Object.freeze({ ...common, spec, hosts, exportTo: spec.exportTo ?? ['*'] }));
      } else if (r.kind === 'DestinationRule') {
        const spec = (r.spec ?? {}) as DestinationRuleSpec;
        if (!spec.host) continue;
        const hosts = [resolveShortHost(spec.host, namespace, this.domainSuffix)];
        drs.push(Object.freeze({ ...common, spec, hosts, exportTo: spec.exportTo ?? ['*'] }));
      }
    }
    vss.sort(byAge);
    drs.sort(byAge);
    for (const vs of vss) for (const h of vs.hosts) addTo(this.vsByHost, h, vs);
    for (const dr of drs) addTo(this.drByHost, dr.hosts[0]!, dr);
    // Longest wildcard first, so the most specific one wins.
    const wild = (keys: Iterable<string>): string[] => [...keys].filter((k) => k.startsWith('*')).sort((a, b) => b.length - a.length);
    this.vsWildcards.push(...wild(this.vsByHost.keys()));
    this.drWildcards.push(...wild(this.drByHost.keys()));
    this.virtualServices = Object.freeze(vss);
    this.destinationRules = Object.freeze(drs);
    Object.freeze(this);
  }

  /** Services the proxy may see (exportTo), sorted by hostname. */
  servicesFor(proxy: ProxyScope): ServiceModel[] {
    const seen = new Set<string>();
    const out: ServiceModel[] = [];
    for (const s of this.registry.services) {
      if (seen.has(s.hostname) || !isVisible(s.exportTo, s.namespace, proxy.namespace)) continue;
      const chosen = this.serviceFor(proxy, s.hostname);
      if (chosen) {
        seen.add(s.hostname);
        out.push(chosen);
      }
    }
    return out;
  }

  /** The service for a hostname as the proxy sees it; the proxy's own namespace wins a tie. */
  serviceFor(proxy: ProxyScope, hostname: string): ServiceModel | undefined {
    const candidates = (this.registry.byHostname.get(hostname) ?? []).filter((s) => isVisible(s.exportTo, s.namespace, proxy.namespace));
    return candidates.find((s) => s.namespace === proxy.namespace) ?? candidates[0];
  }

  /**
   * The VirtualService that routes `hostname` for this proxy: one in the proxy's namespace
   * first, then the oldest visible one (Istio keeps the first by creation time).
   */
  virtualServiceFor(proxy: ProxyScope, hostname: string): IndexedConfig<VirtualServiceSpec> | undefined {
    const visible = lookupHost(this.vsByHost, this.vsWildcards, hostname).filter((v) => isVisible(v.exportTo, v.namespace, proxy.namespace));
    return visible.find((v) => v.namespace === proxy.namespace) ?? visible[0];
  }

  /**
   * The DestinationRule for `hostname`, in Istio's order: the proxy's namespace, then the
   * service's namespace, then the root namespace; each honouring exportTo and selectors.
   */
  destinationRuleFor(proxy: ProxyScope, hostname: string): IndexedConfig<DestinationRuleSpec> | undefined {
    const labels = proxy.labels ?? {};
    const visible = lookupHost(this.drByHost, this.drWildcards, hostname).filter((d) => {
      const selector = d.spec.workloadSelector?.matchLabels;
      if (selector && !(d.namespace === proxy.namespace && Object.entries(selector).every(([k, v]) => labels[k] === v))) return false;
      return isVisible(d.exportTo, d.namespace, proxy.namespace);
    });
    const serviceNs = this.serviceFor(proxy, hostname)?.namespace;
    return visible.find((d) => d.namespace === proxy.namespace)
      ?? (serviceNs ? visible.find((d) => d.namespace === serviceNs) : undefined)
      ?? visible.find((d) => d.namespace === this.rootNamespace);
  }
}

/** Builds a push context; a pure function of its input. */
export function buildPushContext(input: PushContextInput): PushContext {
  return new PushContext(input);
}
