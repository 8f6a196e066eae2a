import type { Resource } from '../api/resource.js';
import { DEFAULT_DOMAIN_SUFFIX, resolveShortHost, serviceFqdn } from './hostname.js';
import { localityFromLabels, parseLocality } from './locality.js';
import type { EndpointHealth, Resolution, RegistrySnapshot, ServiceEndpoint, ServiceModel, ServicePort, WorkloadModel } from './model.js';
import { portProtocol } from './protocol.js';
import { allocateVips, vipKey } from './vip-allocator.js';
import type { CoreServiceSpec, ServiceEntrySpec, WorkloadEntrySpec } from './source-specs.js';

/** Options of {@link buildRegistry}. */
export interface RegistryOptions {
  /** DNS domain suffix; `cluster.local` by default. */
  domainSuffix?: string;
  /**
   * Allocate a VIP from this range to every Service without a clusterIP and every
   * ServiceEntry host without addresses (not wildcards, not resolution NONE), as Istio's DNS
   * auto-allocation does; the local controller sets it because nothing else assigns
   * ClusterIPs there. Unset: services keep exactly the addresses their objects give.
   */
  vipCidr?: string;
}

const NETWORKING = 'networking.istio.io';
const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

function groupOf(r: Resource<unknown>): string {
  const slash = r.apiVersion.indexOf('/');
  return slash < 0 ? '' : r.apiVersion.slice(0, slash);
}

function isKind(r: Resource<unknown>, group: string, kind: string): boolean {
  return r.kind === kind && groupOf(r) === group;
}

function matchesSelector(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function workloadHealth(r: Resource<unknown>): EndpointHealth {
  const conditions = (r.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions;
  const healthy = conditions?.find((c) => c.type === 'Healthy');
  return healthy?.status === 'False' ? 'UNHEALTHY' : 'HEALTHY';
}

function toWorkload(r: Resource<unknown>): WorkloadModel | undefined {
  const spec = (r.spec ?? {}) as WorkloadEntrySpec;
  if (!spec.address) return undefined;
  const labels = { ...(spec.labels ?? {}) };
  return {
    name: r.metadata.name,
    namespace: r.metadata.namespace ?? 'default',
    address: spec.address,
    ports: { ...(spec.ports ?? {}) },
    labels,
    locality: spec.locality ? parseLocality(spec.locality) : localityFromLabels(labels),
    weight: spec.weight && spec.weight > 0 ? spec.weight : 1,
    health: workloadHealth(r),
    serviceAccount: spec.serviceAccount || 'default',
    network: spec.network || undefined,
  };
}

/** Endpoint of `w` for `port`, or nothing when the workload does not serve it. */
function endpointOf(w: WorkloadModel, port: ServicePort): ServiceEndpoint {
  // Istio: the workload's own port map wins (by service port name), then targetPort.
  const named = w.ports[port.name];
  let target: number | undefined = named;
  if (target === undefined) {
    if (typeof port.targetPort === 'number') target = port.targetPort;
    else if (typeof port.targetPort === 'string') target = w.ports[port.targetPort];
  }
  return {
    address: w.address,
    port: target ?? port.port,
    servicePort: port.port,
    servicePortName: port.name,
    labels: w.labels,
    locality: w.locality,
    weight: w.weight,
    health: w.health,
    namespace: w.namespace,
    workloadName: w.name,
    serviceAccount: w.serviceAccount,
    network: w.network,
  };
}

function exportToOf(r: Resource<unknown>, fromSpec: string[] | undefined): string[] {
  if (fromSpec && fromSpec.length > 0) return [...fromSpec];
  const ann = r.metadata.annotations?.[EXPORT_TO_ANNOTATION];
  if (ann) return ann.split(',').map((s) => s.trim()).filter(Boolean);
  return ['*'];
}

function sortEndpoints(eps: ServiceEndpoint[]): ServiceEndpoint[] {
  return eps.sort((a, b) => a.servicePort - b.servicePort || a.address.localeCompare(b.address) || a.port - b.port || a.workloadName.localeCompare(b.workloadName));
}

function fromCoreService(r: Resource<unknown>, workloads: readonly WorkloadModel[], domain: string): ServiceModel {
  const spec = (r.spec ?? {}) as CoreServiceSpec;
  const namespace = r.metadata.namespace ?? 'default';
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    protocol: portProtocol({ appProtocol: p.appProtocol, name: p.name, l4Protocol: p.protocol }),
    targetPort: p.targetPort,
  }));
  const endpoints: ServiceEndpoint[] = [];
  let resolution: Resolution = 'STATIC';
  if (spec.type === 'ExternalName' && spec.externalName) {
    resolution = 'DNS';
    for (const p of ports) {
      endpoints.push({
        address: spec.externalName, port: p.port, servicePort: p.port, servicePortName: p.name, labels: {},
        locality: parseLocality(undefined), weight: 1, health: 'HEALTHY', namespace, workloadName: r.metadata.name, serviceAccount: 'default',
      });
    }
  } else if (spec.selector && Object.keys(spec.selector).length > 0) {
    const selector = spec.selector;
    // Istio selects WorkloadEntries of the Service's namespace with a Service selector (VMs).
    for (const w of workloads) {
      if (w.namespace !== namespace || !matchesSelector(selector, w.labels)) continue;
      for (const p of ports) endpoints.push(endpointOf(w, p));
    }
  }
  if (spec.clusterIP === 'None') resolution = 'NONE';
  const addresses = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((a) => a && a !== 'None');
  return {
    hostname: serviceFqdn(r.metadata.name, namespace, domain),
    namespace,
    source: { kind: 'Service', name: r.metadata.name, namespace },
    ports,
    addresses,
    resolution,
    location: 'MESH_INTERNAL',
    exportTo: exportToOf(r, undefined),
    endpoints: sortEndpoints(endpoints),
    labels: { ...(r.metadata.labels ?? {}) },
    creationTimestamp: r.metadata.creationTimestamp,
  };
}

function fromServiceEntry(r: Resource<unknown>, workloads: readonly WorkloadModel[], domain: string): ServiceModel[] {
  const spec = (r.spec ?? {}) as ServiceEntrySpec;
  const namespace = r.metadata.namespace ?? 'default';
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.number,
    protocol: portProtocol({ istioProtocol: p.protocol, name: p.name }),
    targetPort: p.targetPort,
  }));
  const resolution: Resolution = spec.resolution ?? 'NONE';
  const location = spec.location ?? 'MESH_EXTERNAL';
  // Endpoints shared by every host of the entry: inline ones and selected WorkloadEntries.
  const members: WorkloadModel[] = [];
  (spec.endpoints ?? []).forEach((e, i) => {
    if (!e.address) return;
    const labels = { ...(e.labels ?? {}) };
    members.push({
      name: `${r.metadata.name}-${i}`,
      namespace,
      address: e.address,
      ports: { ...(e.ports ?? {}) },
      labels,
      locality: e.locality ? parseLocality(e.locality) : localityFromLabels(labels),
      weight: e.weight && e.weight > 0 ? e.weight : 1,
      health: 'HEALTHY',
      serviceAccount: e.serviceAccount || 'default',
      network: e.network || undefined,
    });
  });
  const selector = spec.workloadSelector?.labels;
  if (selector && Object.keys(selector).length > 0) {
    for (const w of workloads) if (w.namespace === namespace && matchesSelector(selector, w.labels)) members.push(w);
  }
  return (spec.hosts ?? []).map((rawHost) => {
    const hostname = resolveShortHost(rawHost, namespace, domain);
    const endpoints: ServiceEndpoint[] = [];
    for (const m of members) for (const p of ports) endpoints.push(endpointOf(m, p));
    if (endpoints.length === 0 && (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !hostname.startsWith('*')) {
      // Without endpoints a DNS entry resolves its own host name.
      for (const p of ports) {
        endpoints.push({
          address: hostname, port: typeof p.targetPort === 'number' ? p.targetPort : p.port, servicePort: p.port, servicePortName: p.name,
          labels: {}, locality: parseLocality(undefined), weight: 1, health: 'HEALTHY', namespace, workloadName: r.metadata.name, serviceAccount: 'default',
        });
      }
    }
    return {
      hostname,
      namespace,
      source: { kind: 'ServiceEntry' as const, name: r.metadata.name, namespace },
      ports,
      addresses: [...(spec.addresses ?? [])],
      resolution,
      location,
      exportTo: exportToOf(r, spec.exportTo),
      endpoints: sortEndpoints(endpoints),
      labels: { ...(r.metadata.labels ?? {}) },
      creationTimestamp: r.metadata.creationTimestamp,
    };
  });
}

function wantsVip(s: ServiceModel): boolean {
  if (s.addresses.length > 0 || s.hostname.startsWith('*')) return false;
  return s.source.kind === 'Service' ? s.resolution === 'STATIC' : s.resolution !== 'NONE';
}

/** Replaces, in place, each service that has no VIP by a copy holding an allocated one. */
function withAllocatedVips(services: ServiceModel[], cidr: string): void {
  const taken = services.flatMap((s) => s.addresses);
  const vips = allocateVips(services.filter(wantsVip), cidr, taken);
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    const vip = wantsVip(s) ? vips.get(vipKey(s.namespace, s.hostname)) : undefined;
    if (vip) services[i] = { ...s, addresses: [vip] };
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/**
 * The registry: a pure function from resources (any kinds; unrelated ones are ignored) to
 * an immutable snapshot of services and their endpoints. Sources: core `Service` (its
 * selector selects WorkloadEntries of its namespace, as Istio does for VMs), ServiceEntry
 * (inline endpoints, `workloadSelector`, DNS, NONE) and WorkloadEntry.
 */
export function buildRegistry(resources: readonly Resource<unknown>[], options: RegistryOptions = {}): RegistrySnapshot {
  const domain = options.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const workloads: WorkloadModel[] = [];
  for (const r of resources) {
    if (!isKind(r, NETWORKING, 'WorkloadEntry')) continue;
    const w = toWorkload(r);
    if (w) workloads.push(w);
  }
  workloads.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  const services: ServiceModel[] = [];
  for (const r of resources) {
    if (isKind(r, '', 'Service')) services.push(fromCoreService(r, workloads, domain));
    else if (isKind(r, NETWORKING, 'ServiceEntry')) services.push(...fromServiceEntry(r, workloads, domain));
  }
  services.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.namespace.localeCompare(b.namespace));
  if (options.vipCidr) withAllocatedVips(services, options.vipCidr);

  const byHostname = new Map<string, ServiceModel[]>();
  for (const s of services) {
    const list = byHostname.get(s.hostname);
    if (list) list.push(s);
    else byHostname.set(s.hostname, [s]);
  }
  deepFreeze(services);
  deepFreeze(workloads);
  return Object.freeze({ services, workloads, byHostname });
}
