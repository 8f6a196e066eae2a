import type { GatewaySpec } from '../../api/kinds/gateway/types.js';
import type { LabelSelector, MeshConfig } from '../../api/kinds/mesh-config/types.js';
import type { SidecarSpec } from '../../api/kinds/sidecar/types.js';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import type { Resource } from '../../api/resource.js';
import { resolveShortHost } from '../../registry/hostname.js';
import { resolveMeshConfig } from '../mesh-config-resolver.js';
import type { IndexedConfig, PushContext } from '../push-context.js';

/** A Gateway as sidecar/gateway generators read it. */
export interface IndexedGateway {
  readonly name: string;
  readonly namespace: string;
  readonly spec: GatewaySpec;
  readonly creationTimestamp?: string;
}

/** A Sidecar resource. */
export interface IndexedSidecar {
  readonly name: string;
  readonly namespace: string;
  readonly spec: SidecarSpec;
  readonly creationTimestamp?: string;
}

/** A VirtualService with the gateways it binds to, resolved to `namespace/name` (or `mesh`). */
export interface BoundVirtualService extends IndexedConfig<VirtualServiceSpec> {
  readonly gateways: readonly string[];
}

/**
 * What sidecar and gateway generators need beyond X's push context: mesh settings,
 * namespace labels, Gateways, Sidecars and every VirtualService with its gateway
 * bindings. Built once per push context (cached by identity) from `push.resources`.
 */
export interface MeshIndex {
  readonly mesh: MeshConfig;
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly gateways: readonly IndexedGateway[];
  readonly sidecars: readonly IndexedSidecar[];
  readonly virtualServices: readonly BoundVirtualService[];
}

const cache = new WeakMap<PushContext, MeshIndex>();

function groupOf(r: Resource<unknown>): string {
  const slash = r.apiVersion.indexOf('/');
  return slash < 0 ? '' : r.apiVersion.slice(0, slash);
}

function byAge<T extends { creationTimestamp?: string; namespace: string; name: string }>(a: T, b: T): number {
  return (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

/** `name` → `ns/name` in the VirtualService's namespace; `mesh` and `ns/name` stay. */
export function qualifyGateway(ref: string, namespace: string): string {
  if (ref === 'mesh' || ref.includes('/')) return ref;
  // Istio also accepts `name.namespace.svc.cluster.local`-style references; the first label is the name.
  if (ref.includes('.')) {
    const [name, ns] = ref.split('.');
    return `${ns}/${name}`;
  }
  return `${namespace}/${ref}`;
}

/** Builds (or returns the cached) index for a push context. */
export function meshIndex(push: PushContext): MeshIndex {
  const hit = cache.get(push);
  if (hit) return hit;
  // MeshConfig first (X's resolver: stored MeshConfig or the istio ConfigMap, over Istio's defaults).
  const mesh: MeshConfig = push.meshConfig ?? resolveMeshConfig(push.resources);
  const namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  const gateways: IndexedGateway[] = [];
  const sidecars: IndexedSidecar[] = [];
  const vss: BoundVirtualService[] = [];
  for (const r of push.resources) {
    const group = groupOf(r);
    const namespace = r.metadata.namespace ?? 'default';
    const common = { name: r.metadata.name, namespace, creationTimestamp: r.metadata.creationTimestamp };
    if (r.kind === 'Namespace' && group === '') namespaceLabels.set(r.metadata.name, r.metadata.labels ?? {});
    else if (group !== 'networking.istio.io') continue;
    else if (r.kind === 'Gateway') gateways.push({ ...common, spec: (r.spec ?? {}) as GatewaySpec });
    else if (r.kind === 'Sidecar') sidecars.push({ ...common, spec: (r.spec ?? {}) as SidecarSpec });
    else if (r.kind === 'VirtualService') {
      const spec = (r.spec ?? {}) as VirtualServiceSpec;
      const refs = spec.gateways && spec.gateways.length > 0 ? spec.gateways : ['mesh'];
      vss.push({
        ...common,
        resourceVersion: r.metadata.resourceVersion,
        spec,
        hosts: (spec.hosts ?? []).map((h) => resolveShortHost(h, namespace, push.domainSuffix)),
        exportTo: spec.exportTo ?? mesh.defaultVirtualServiceExportTo ?? ['*'],
        gateways: refs.map((g) => qualifyGateway(g, namespace)),
      });
    }
  }
  gateways.sort(byAge);
  sidecars.sort(byAge);
  vss.sort(byAge);
  const index: MeshIndex = Object.freeze({ mesh, namespaceLabels, gateways, sidecars, virtualServices: vss });
  cache.set(push, index);
  return index;
}

/** Kubernetes label selector semantics (matchLabels and matchExpressions, all must hold). */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/**
 * `meshConfig.discoverySelectors`: a namespace is part of the mesh when any selector
 * matches its labels; no selectors means every namespace. The root namespace always is.
 */
export function namespaceDiscovered(index: MeshIndex, namespace: string, rootNamespace: string): boolean {
  const selectors = index.mesh.discoverySelectors;
  if (!selectors || selectors.length === 0 || namespace === rootNamespace) return true;
  const labels = index.namespaceLabels.get(namespace) ?? {};
  return selectors.some((s) => selectorMatches(s, labels));
}
