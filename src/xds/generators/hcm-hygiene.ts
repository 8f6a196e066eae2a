import type { MeshConfig } from '../../api/kinds/mesh-config/types.js';
import type { ProtoObject } from '../protos.js';

/**
 * The request-hygiene fields istiod writes into every HttpConnectionManager it builds
 * (sidecar inbound and outbound, gateways): path normalisation from
 * `meshConfig.pathNormalization`, and x-forwarded-client-cert handling per listener class.
 */

/** `meshConfig.pathNormalization.normalization` values. */
export type PathNormalizationMode = 'DEFAULT' | 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

function normalizationOf(mesh: MeshConfig | undefined): PathNormalizationMode {
  const raw = (mesh?.pathNormalization as { normalization?: unknown } | undefined)?.normalization;
  return typeof raw === 'string' ? (raw as PathNormalizationMode) : 'DEFAULT';
}

/**
 * HCM fields for the mesh's path normalisation, as istiod sets them: NONE turns
 * `normalize_path` off, BASE (the default) on; MERGE_SLASHES adds `merge_slashes`;
 * DECODE_AND_MERGE_SLASHES also unescapes `%2F`/`%5C` (`UNESCAPE_AND_FORWARD`). Escaped
 * slashes are otherwise `KEEP_UNCHANGED`.
 */
export function pathNormalizationFields(mesh: MeshConfig | undefined): ProtoObject {
  const mode = normalizationOf(mesh);
  const fields: ProtoObject = { normalize_path: { value: mode !== 'NONE' }, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' };
  if (mode === 'MERGE_SLASHES' || mode === 'DECODE_AND_MERGE_SLASHES') fields.merge_slashes = true;
  if (mode === 'DECODE_AND_MERGE_SLASHES') fields.path_with_escaped_slashes_action = 'UNESCAPE_AND_FORWARD';
  return fields;
}

/** Sidecar inbound: append this hop's element (Subject, URI, DNS) to what the mesh peer sent. */
export function sidecarInboundClientCertFields(): ProtoObject {
  return {
    forward_client_cert_details: 'APPEND_FORWARD',
    set_current_client_cert_details: { subject: { value: true }, uri: true, dns: true },
  };
}

const FORWARD_CLIENT_CERT = new Set(['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY']);

/** `meshConfig.defaultConfig.gatewayTopology` (the fields gateways honour). */
interface GatewayTopology {
  readonly numTrustedProxies?: number;
  readonly forwardClientCertDetails?: string;
}

function gatewayTopologyOf(mesh: MeshConfig | undefined): GatewayTopology {
  const t = mesh?.defaultConfig?.gatewayTopology;
  return t !== null && typeof t === 'object' ? (t as GatewayTopology) : {};
}

/**
 * Gateways: SANITIZE_SET by default (an external client's XFCC never passes; a client
 * certificate's Subject, Cert, URI and DNS are set), and `xff_num_trusted_hops` — both
 * overridden by `defaultConfig.gatewayTopology` as istiod does.
 */
export function gatewayHcmFields(mesh: MeshConfig | undefined): ProtoObject {
  const topology = gatewayTopologyOf(mesh);
  const mode = typeof topology.forwardClientCertDetails === 'string' && FORWARD_CLIENT_CERT.has(topology.forwardClientCertDetails) ? topology.forwardClientCertDetails : 'SANITIZE_SET';
  return {
    xff_num_trusted_hops: typeof topology.numTrustedProxies === 'number' ? topology.numTrustedProxies : 0,
    forward_client_cert_details: mode,
    set_current_client_cert_details: { subject: { value: true }, cert: true, uri: true, dns: true },
  };
}

/**
 * The trust domains an inbound mTLS peer may come from: the mesh's own and its
 * `trustDomainAliases`, without blanks or repeats (istiod's TrustDomainsForValidation).
 */
export function trustDomainsForValidation(trustDomain: string, mesh: MeshConfig | undefined): string[] {
  const out: string[] = [];
  for (const td of [trustDomain, ...(mesh?.trustDomainAliases ?? [])]) {
    if (td && !out.includes(td)) out.push(td);
  }
  return out;
}

/** `match_subject_alt_names` prefixes `spiffe://<td>/` for each trust domain, as istiod writes them. */
export function trustDomainSanMatchers(trustDomains: readonly string[]): ProtoObject[] {
  return trustDomains.map((td) => ({ prefix: `spiffe://${td}/` }));
}
