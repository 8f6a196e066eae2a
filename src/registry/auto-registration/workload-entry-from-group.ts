import type { Resource } from '../../api/resource.js';
import type { WorkloadGroupSpec } from '../../api/kinds/workload-group/types.js';
import { AUTO_REGISTRATION_GROUP_ANNOTATION, HEALTH_CHECKS_ANNOTATION } from './annotations.js';

/** The parts of a connecting proxy that shape its WorkloadEntry. */
export interface RegisteringProxy {
  readonly namespace: string;
  readonly ipAddresses: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly network?: string;
  readonly locality?: { readonly region: string; readonly zone: string; readonly sub_zone: string };
}

/**
 * Istio's name for an auto-registered entry: `<group>-<first IP>` (IPv6 colons become dashes)
 * with `-<network>` when the proxy names one; trimmed from the front to 253 characters.
 */
export function autoRegisteredEntryName(group: string, proxy: RegisteringProxy): string | undefined {
  const ip = proxy.ipAddresses[0];
  if (!ip) return undefined;
  const name = [group, ip.replaceAll(':', '-'), ...(proxy.network ? [proxy.network] : [])].join('-');
  return name.length > 253 ? name.slice(name.length - 253) : name;
}

/**
 * The WorkloadEntry Istio creates for a proxy joining a WorkloadGroup: the group's template
 * with the proxy's first IP as address; labels merged template < group metadata < proxy;
 * annotations from the group plus the auto-registration marker; network and locality from
 * the proxy when it has them.
 */
export function workloadEntryFromGroup(name: string, proxy: RegisteringProxy, group: Resource<unknown>): Resource {
  const spec = (group.spec ?? {}) as WorkloadGroupSpec;
  const template = structuredClone(spec.template ?? {});
  const labels = { ...(template.labels ?? {}), ...(spec.metadata?.labels ?? {}), ...proxy.labels };
  const annotations: Record<string, string> = { ...(spec.metadata?.annotations ?? {}), [AUTO_REGISTRATION_GROUP_ANNOTATION]: group.metadata.name };
  if (spec.probe) annotations[HEALTH_CHECKS_ANNOTATION] = 'true';
  const loc = proxy.locality;
  const locality = loc && loc.region ? [loc.region, loc.zone, loc.sub_zone].filter(Boolean).join('/') : template.locality;
  const entrySpec: Record<string, unknown> = { ...template, address: proxy.ipAddresses[0], labels };
  if (proxy.network) entrySpec.network = proxy.network;
  if (locality) entrySpec.locality = locality;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name, namespace: proxy.namespace, labels, annotations },
    spec: entrySpec,
  };
}
