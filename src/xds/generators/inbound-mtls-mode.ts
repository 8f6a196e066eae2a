import type { MutualTlsMode, PeerAuthenticationSpec } from '../../api/kinds/peer-authentication/types.js';
import type { Resource } from '../../api/resource.js';
import type { PushContext } from '../push-context.js';
import type { ProxyInfo } from '../proxy.js';

/** What an inbound port accepts after PeerAuthentication is applied (UNSET resolved). */
export type EffectiveMtlsMode = Exclude<MutualTlsMode, 'UNSET'>;

interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly created: string;
  readonly spec: PeerAuthenticationSpec;
}

function policiesIn(push: PushContext, namespace: string): Policy[] {
  const out: Policy[] = [];
  for (const r of push.resources as readonly Resource<unknown>[]) {
    if (r.kind !== 'PeerAuthentication' || !r.apiVersion.startsWith('security.istio.io/')) continue;
    if ((r.metadata.namespace ?? 'default') !== namespace) continue;
    out.push({ name: r.metadata.name, namespace, created: r.metadata.creationTimestamp ?? '', spec: (r.spec ?? {}) as PeerAuthenticationSpec });
  }
  // Istio resolves ties by age, then name: the oldest policy wins.
  return out.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}

function hasSelector(p: Policy): boolean {
  return Object.keys(p.spec.selector?.matchLabels ?? {}).length > 0;
}

function selects(p: Policy, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function set(mode: MutualTlsMode | undefined): EffectiveMtlsMode | undefined {
  return mode && mode !== 'UNSET' ? mode : undefined;
}

/**
 * The mTLS mode of one inbound port of `proxy`, as Istio computes it: the workload's own
 * policy (selector; `portLevelMtls` for the port first), else the namespace-wide policy,
 * else the mesh-wide one in the root namespace; UNSET inherits from the next level and the
 * default is PERMISSIVE.
 */
export function inboundMtlsMode(push: PushContext, proxy: ProxyInfo, port: number): EffectiveMtlsMode {
  const own = policiesIn(push, proxy.namespace);
  const workload = own.find((p) => hasSelector(p) && selects(p, proxy.labels));
  const namespaceWide = own.find((p) => !hasSelector(p));
  const meshWide = proxy.namespace === push.rootNamespace ? namespaceWide : policiesIn(push, push.rootNamespace).find((p) => !hasSelector(p));
  return set(workload?.spec.portLevelMtls?.[String(port)]?.mode)
    ?? set(workload?.spec.mtls?.mode)
    ?? set(namespaceWide?.spec.mtls?.mode)
    ?? set(meshWide?.spec.mtls?.mode)
    ?? 'PERMISSIVE';
}
