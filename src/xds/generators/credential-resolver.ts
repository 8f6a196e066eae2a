import { pino, type Logger } from 'pino';
import type { ClientTLSSettings, DestinationRuleSpec, TrafficPolicy } from '../../api/kinds/destination-rule/types.js';
import { caOf, keyCertOf, type CaMaterial, type KeyCertMaterial } from '../../api/kinds/secret/tls-material.js';
import { CA_SUFFIX, type SecretContent } from '../../api/kinds/secret/types.js';
import type { Resource } from '../../api/resource.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';

/** Why a stream without a verified identity gets no Secret. */
export const UNVERIFIED_REFUSAL = 'the proxy\'s identity is not verified (Secrets are served only over xDS on 15012 with a mesh client certificate)';

/** Istio's SDS prefix for a Secret named by `credentialName`. */
export const KUBERNETES_PREFIX = 'kubernetes://';
/** A DestinationRule `credentialName` naming a ConfigMap whose `ca.crt` is the CA (SIMPLE TLS). */
export const CONFIGMAP_PREFIX = 'configmap://';

/** A `kubernetes://[NAMESPACE/]NAME[-cacert]` or `configmap://[NAMESPACE/]NAME` SDS name, parsed. */
export interface CredentialRef {
  /** The SDS resource name as asked. */
  readonly sdsName: string;
  /** A Secret, or a ConfigMap holding only a CA (`ca.crt`). */
  readonly source: 'secret' | 'configmap';
  readonly namespace: string;
  /** The Secret name as written after the prefix (with `-cacert` when asked for the CA). */
  readonly name: string;
  /** True for `NAME-cacert`: the CA bundle, from Secret `NAME-cacert` or else `NAME`. */
  readonly caOnly: boolean;
  /** The credential name without the `-cacert` suffix. */
  readonly baseName: string;
}

/** What a credential resolves to: a certificate with its key, or a CA bundle. */
export type CredentialMaterial = { readonly kind: 'keyCert'; readonly value: KeyCertMaterial } | { readonly kind: 'ca'; readonly value: CaMaterial };

/** SDS name of a `credentialName` (Istio's `kubernetes://` form). */
export function credentialSecretName(credentialName: string): string {
  return credentialName.includes('://') ? credentialName : `${KUBERNETES_PREFIX}${credentialName}`;
}

/** The SDS name of a credential's CA half (`kubernetes://NAME-cacert`). */
export function credentialCaSecretName(credentialName: string): string {
  return `${credentialSecretName(credentialName)}${CA_SUFFIX}`;
}

/** Parses a `kubernetes://` or `configmap://` SDS name; the namespace defaults to the proxy's, as in Istio. */
export function parseCredentialName(sdsName: string, proxyNamespace: string): CredentialRef | undefined {
  const source = sdsName.startsWith(KUBERNETES_PREFIX) ? 'secret' : sdsName.startsWith(CONFIGMAP_PREFIX) ? 'configmap' : undefined;
  if (!source) return undefined;
  const rest = sdsName.slice((source === 'secret' ? KUBERNETES_PREFIX : CONFIGMAP_PREFIX).length);
  const slash = rest.indexOf('/');
  const namespace = slash < 0 ? proxyNamespace : rest.slice(0, slash);
  const name = slash < 0 ? rest : rest.slice(slash + 1);
  if (name === '' || namespace === '' || name.includes('/')) return undefined;
  if (source === 'configmap') return { sdsName, source, namespace, name, caOnly: true, baseName: name };
  const caOnly = name.endsWith(CA_SUFFIX);
  return { sdsName, source, namespace, name, caOnly, baseName: caOnly ? name.slice(0, -CA_SUFFIX.length) : name };
}

const coreIndex = new WeakMap<PushContext, Map<string, Resource<unknown>>>();

/** A core v1 object (`Secret`, `ConfigMap`) `namespace/name` of a push, indexed once per push context. */
function findCore(push: PushContext, kind: 'Secret' | 'ConfigMap', namespace: string, name: string): Resource<unknown> | undefined {
  let index = coreIndex.get(push);
  if (!index) {
    index = new Map();
    for (const r of push.resources) if ((r.kind === 'Secret' || r.kind === 'ConfigMap') && r.apiVersion === 'v1') index.set(`${r.kind}/${r.metadata.namespace ?? 'default'}/${r.metadata.name}`, r);
    coreIndex.set(push, index);
  }
  return index.get(`${kind}/${namespace}/${name}`);
}

/** The Secret `namespace/name` of a push. */
export function findSecret(push: PushContext, namespace: string, name: string): Resource<unknown> | undefined {
  return findCore(push, 'Secret', namespace, name);
}

/** The CA of a ConfigMap credential: `ca.crt` in `data`, or base64 in `binaryData`. */
function configMapCa(cm: Resource<unknown>): string | undefined {
  const data = (cm as { data?: Record<string, unknown> }).data?.['ca.crt'];
  if (typeof data === 'string' && data !== '') return data;
  const bin = (cm as { binaryData?: Record<string, unknown> }).binaryData?.['ca.crt'];
  return typeof bin === 'string' && bin !== '' ? Buffer.from(bin, 'base64').toString('utf8') : undefined;
}

function tlsSettings(policy: TrafficPolicy | undefined): ClientTLSSettings[] {
  if (!policy) return [];
  return [policy.tls, ...(policy.portLevelSettings ?? []).map((p) => p.tls)].filter((t): t is ClientTLSSettings => t !== undefined);
}

/** Every `credentialName` of a DestinationRule (top level, ports, subsets), as SDS names. */
export function destinationRuleCredentials(spec: DestinationRuleSpec): string[] {
  const all = [...tlsSettings(spec.trafficPolicy), ...(spec.subsets ?? []).flatMap((s) => tlsSettings(s.trafficPolicy))];
  return all.map((t) => t.credentialName).filter((n): n is string => typeof n === 'string' && n !== '').map(credentialSecretName);
}

/**
 * Whether a sidecar takes `credentialName` from this DestinationRule: as Istio documents, only
 * when the rule has a workloadSelector; otherwise only gateways use it.
 */
export function sidecarUsesCredentials(spec: DestinationRuleSpec | undefined): boolean {
  return Object.keys(spec?.workloadSelector?.matchLabels ?? {}).length > 0;
}

function selects(spec: DestinationRuleSpec, labels: Readonly<Record<string, string>>): boolean {
  const sel = spec.workloadSelector?.matchLabels ?? {};
  return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/**
 * Why `proxy` may not receive the credential, or undefined when it may. A Secret goes only to a
 * proxy whose namespace its stream's client certificate proved (15012). Istio's rule: a Secret
 * is served only to proxies of its own namespace. Gateways (`router`) get any Secret of their
 * namespace; a sidecar only one that a DestinationRule of its namespace, selecting it by
 * workloadSelector, names as `credentialName` (where Istio lets sidecars use credentials).
 */
export function credentialRefusal(push: PushContext, proxy: ProxyInfo, ref: CredentialRef): string | undefined {
  // A node's namespace is only a claim on plaintext (15010): Secrets need the certificate's proof.
  if (ref.source === 'secret' && proxy.verified !== true) return UNVERIFIED_REFUSAL;
  if (ref.namespace !== proxy.namespace) return `the Secret's namespace ${JSON.stringify(ref.namespace)} is not the proxy's (${JSON.stringify(proxy.namespace)})`;
  if (proxy.type === 'router') return undefined;
  const named = push.destinationRules.some((dr) => dr.namespace === proxy.namespace && selects(dr.spec, proxy.labels) && destinationRuleCredentials(dr.spec).some((n) => {
    const r = parseCredentialName(n, dr.namespace);
    return r !== undefined && r.source === ref.source && r.namespace === ref.namespace && r.name === ref.baseName;
  }));
  return named ? undefined : `no DestinationRule in ${JSON.stringify(proxy.namespace)} that selects this sidecar by workloadSelector names credentialName ${JSON.stringify(ref.baseName)}`;
}

/**
 * The material of a credential, as Istio reads it: a certificate and key from Secret `NAME`;
 * for `NAME-cacert`, the CA from Secret `NAME-cacert`, or else from `NAME` itself. A reason when
 * the Secret is missing or lacks the keys (never quoting values).
 */
export function resolveCredential(push: PushContext, ref: CredentialRef): CredentialMaterial | string {
  if (ref.source === 'configmap') {
    const cm = findCore(push, 'ConfigMap', ref.namespace, ref.name);
    if (!cm) return `configmap ${ref.namespace}/${ref.name} not found`;
    const ca = configMapCa(cm);
    return ca === undefined ? `configmap ${ref.namespace}/${ref.name} has no "ca.crt" key` : { kind: 'ca', value: { trustedCa: ca, key: 'ca.crt' } };
  }
  if (ref.caOnly) {
    const secret = findSecret(push, ref.namespace, ref.name) ?? findSecret(push, ref.namespace, ref.baseName);
    if (!secret) return `secret ${ref.namespace}/${ref.baseName} not found (nor ${ref.namespace}/${ref.name})`;
    const ca = caOf(secret as unknown as SecretContent);
    return typeof ca === 'string' ? `secret ${ref.namespace}/${secret.metadata.name}: ${ca}` : { kind: 'ca', value: ca };
  }
  const secret = findSecret(push, ref.namespace, ref.name);
  if (!secret) return `secret ${ref.namespace}/${ref.name} not found`;
  const kc = keyCertOf(secret as unknown as SecretContent);
  return typeof kc === 'string' ? `secret ${ref.namespace}/${ref.name}: ${kc}` : { kind: 'keyCert', value: kc };
}

const defaultLog = pino({ name: 'sds', level: process.env.PLEXUS_LOG_LEVEL ?? 'info' });
const reported = new Set<string>();
const MAX_REPORTED = 4096;

/**
 * Logs a refused or unresolvable credential once per proxy, name and reason (pushes repeat the
 * request; the log should not). Never logs material.
 */
export function reportCredentialProblem(proxy: ProxyInfo, sdsName: string, reason: string, level: 'warn' | 'info' = 'warn', log: Logger = defaultLog): void {
  const key = `${proxy.id}|${sdsName}|${reason}`;
  if (reported.has(key)) return;
  if (reported.size >= MAX_REPORTED) reported.clear();
  reported.add(key);
  log[level]({ proxy: proxy.id, secret: sdsName, reason }, 'SDS credential not served');
}

const unverifiedReported = new Set<string>();

/**
 * Logs once per proxy that an unverified stream asked for Secrets (a plaintext node claiming a
 * gateway's namespace is what an attacker would send; one line per node id, not per name).
 */
export function reportUnverifiedCredentialRequest(proxy: ProxyInfo, sdsNames: readonly string[], log: Logger = defaultLog): void {
  if (unverifiedReported.has(proxy.id)) return;
  if (unverifiedReported.size >= MAX_REPORTED) unverifiedReported.clear();
  unverifiedReported.add(proxy.id);
  log.warn({ proxy: proxy.id, secrets: sdsNames, reason: UNVERIFIED_REFUSAL }, 'SDS credentials not served');
}
