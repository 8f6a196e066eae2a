import type { Diagnostic } from '../../api/diagnostic.js';
import type { ClientTLSSettings, DestinationRuleSpec, TrafficPolicy } from '../../api/kinds/destination-rule/types.js';
import type { GatewaySpec } from '../../api/kinds/gateway/types.js';
import { CA_SUFFIX } from '../../api/kinds/secret/types.js';
import type { Resource } from '../../api/resource.js';
import type { ConfigStore } from '../store.js';

const NETWORKING = 'networking.istio.io';
const PREFIX = 'kubernetes://';
/** Where Istio's default gateways run. */
const ISTIO_NAMESPACE = 'istio-system';

/** A credential reference: the field path and the Secret name (without `kubernetes://`). */
interface CredentialUse {
  readonly path: string;
  readonly name: string;
  readonly namespace?: string;
}

function secretName(credentialName: string): { name: string; namespace?: string } | undefined {
  if (credentialName.includes('://') && !credentialName.startsWith(PREFIX)) return undefined;
  const rest = credentialName.startsWith(PREFIX) ? credentialName.slice(PREFIX.length) : credentialName;
  const slash = rest.indexOf('/');
  return slash < 0 ? { name: rest } : { namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

function gatewayUses(spec: GatewaySpec): CredentialUse[] {
  const out: CredentialUse[] = [];
  (spec.servers ?? []).forEach((s, i) => {
    const tls = s?.tls;
    if (!tls || tls.mode === 'PASSTHROUGH' || tls.mode === 'AUTO_PASSTHROUGH' || tls.mode === 'ISTIO_MUTUAL') return;
    const names = tls.credentialName ? [[tls.credentialName, `spec.servers[${i}].tls.credentialName`]] : (tls.credentialNames ?? []).map((n, j) => [n, `spec.servers[${i}].tls.credentialNames[${j}]`]);
    for (const [n, path] of names) {
      const ref = typeof n === 'string' ? secretName(n) : undefined;
      if (ref) out.push({ path: path!, ...ref });
    }
  });
  return out;
}

function policyUses(policy: TrafficPolicy | undefined, path: string): CredentialUse[] {
  if (!policy) return [];
  const tlsUse = (tls: ClientTLSSettings | undefined, at: string): CredentialUse[] => {
    if (!tls?.credentialName || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) return [];
    const ref = secretName(tls.credentialName);
    return ref ? [{ path: `${at}.tls.credentialName`, ...ref }] : [];
  };
  return [...tlsUse(policy.tls, path), ...(policy.portLevelSettings ?? []).flatMap((p, i) => tlsUse(p.tls, `${path}.portLevelSettings[${i}]`))];
}

function destinationRuleUses(spec: DestinationRuleSpec): CredentialUse[] {
  return [...policyUses(spec.trafficPolicy, 'spec.trafficPolicy'), ...(spec.subsets ?? []).flatMap((s, i) => policyUses(s.trafficPolicy, `spec.subsets[${i}].trafficPolicy`))];
}

function matches(selector: Readonly<Record<string, string>>, labels: unknown): boolean {
  const l = (labels ?? {}) as Record<string, unknown>;
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

/** Namespaces of the workloads a gateway selects (WorkloadEntries and Pods in the store); Istio's default otherwise. */
async function gatewayNamespaces(gw: Resource, store: ConfigStore): Promise<string[]> {
  const selector = ((gw.spec ?? {}) as GatewaySpec).selector ?? {};
  const found = new Set<string>();
  if (Object.keys(selector).length > 0) {
    for (const we of await store.list({ group: NETWORKING, kind: 'WorkloadEntry' })) if (matches(selector, (we.spec as { labels?: unknown } | undefined)?.labels)) found.add(we.metadata.namespace ?? 'default');
    for (const pod of await store.list({ group: '', kind: 'Pod' })) if (matches(selector, pod.metadata.labels)) found.add(pod.metadata.namespace ?? 'default');
  }
  return found.size > 0 ? [...found] : [...new Set([gw.metadata.namespace ?? 'default', ISTIO_NAMESPACE])];
}

async function secretExists(store: ConfigStore, pending: ReadonlySet<string>, namespace: string, name: string): Promise<boolean> {
  return pending.has(`${namespace}/${name}`) || (await store.get({ group: '', kind: 'Secret', namespace, name })) !== undefined;
}

/**
 * `plexus apply` warnings for credentials that name no Secret, with the text of Istio's
 * analyzer (IST0101 ReferencedResourceNotFound: `Referenced credentialName not found`). A Gateway
 * needs its Secret in the namespace of the gateway workloads; a DestinationRule in its own
 * namespace (the proxy's, for a workloadSelector rule) or, for gateways, in theirs. MUTUAL's
 * `NAME-cacert` is optional (the CA may sit in the Secret itself), so it is not asked for.
 * `pending` holds `namespace/name` of Secrets applied in the same batch.
 */
export async function credentialWarnings(resource: Resource, store: ConfigStore, pending: ReadonlySet<string> = new Set()): Promise<Diagnostic[]> {
  if (resource.apiVersion?.split('/')[0] !== NETWORKING) return [];
  let uses: CredentialUse[];
  let namespaces: () => Promise<string[]>;
  if (resource.kind === 'Gateway') {
    uses = gatewayUses((resource.spec ?? {}) as GatewaySpec);
    namespaces = () => gatewayNamespaces(resource, store);
  } else if (resource.kind === 'DestinationRule') {
    const spec = (resource.spec ?? {}) as DestinationRuleSpec;
    uses = destinationRuleUses(spec);
    const own = resource.metadata.namespace ?? 'default';
    namespaces = async () => (spec.workloadSelector?.matchLabels && Object.keys(spec.workloadSelector.matchLabels).length > 0 ? [own] : [...new Set([own, ISTIO_NAMESPACE])]);
  } else {
    return [];
  }
  if (uses.length === 0) return [];
  const candidates = await namespaces();
  const out: Diagnostic[] = [];
  const selector = resource.kind === 'DestinationRule' ? ((resource.spec ?? {}) as DestinationRuleSpec).workloadSelector?.matchLabels : undefined;
  if (resource.kind === 'DestinationRule' && Object.keys(selector ?? {}).length === 0) {
    // Istio's rule, said out loud: sidecars would otherwise originate TLS with no CA to check the server.
    for (const u of uses) out.push({ severity: 'warning', path: u.path, message: 'credentialName applies to gateways only when the DestinationRule has no workloadSelector: sidecars send no client certificate and do not verify the server; add a workloadSelector to use it on sidecars' });
  }
  for (const u of uses) {
    const where = u.namespace ? [u.namespace] : candidates;
    let found = false;
    for (const ns of where) if (await secretExists(store, pending, ns, u.name) || (u.name.endsWith(CA_SUFFIX) && await secretExists(store, pending, ns, u.name.slice(0, -CA_SUFFIX.length)))) found = true;
    if (!found) {
      out.push({
        severity: 'warning',
        path: u.path,
        message: `IST0101 Referenced credentialName not found: ${JSON.stringify(u.name)} (no Secret of that name in namespace ${where.map((n) => JSON.stringify(n)).join(' or ')}); TLS on it fails until the Secret is applied`,
      });
    }
  }
  return out;
}
