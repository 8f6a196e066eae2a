import type { Reporter } from '../../diagnostic.js';
import { enumName, isIstioDNSLabel } from './networking-rules.js';

const MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;
const CONFIGMAP_PREFIX = 'configmap://';

/** Options for `validateClientTls`. */
export interface ClientTlsOptions {
  /** Namespace of the resource holding the settings (configmap:// credentials must stay in it). */
  namespace?: string;
}

/**
 * Semantic rules of `ClientTLSSettings` (DestinationRule, MeshConfig): which fields each mode
 * needs or forbids. `value` must already have passed `clientTlsSettingsSchema`.
 */
export function validateClientTls(value: unknown, at: Reporter, opts: ClientTlsOptions = {}): void {
  if (value === undefined || value === null || typeof value !== 'object') return;
  const tls = value as Record<string, unknown>;
  const mode = enumName(tls.mode, MODES) ?? 'DISABLE';
  const set = (field: string): boolean => typeof tls[field] === 'string' && tls[field] !== '';
  const credentialName = typeof tls.credentialName === 'string' ? tls.credentialName : '';

  if (credentialName.startsWith(CONFIGMAP_PREFIX)) checkConfigMapCredential(credentialName, opts.namespace, at.at('credentialName'));

  // An explicit (even empty) subjectAltNames list counts as set, as it does for Istio.
  const sansSet = Array.isArray(tls.subjectAltNames);
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (set('caCertificates') || credentialName !== '' || sansSet)) {
      at.at('insecureSkipVerify').error('cannot set caCertificates, credentialName or subjectAltNames when insecureSkipVerify is true');
    }
    if (mode === 'MUTUAL' && (set('caCertificates') || sansSet)) {
      at.at('insecureSkipVerify').error('cannot set caCertificates or subjectAltNames when insecureSkipVerify is true');
    }
  }

  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName !== '') {
    const files = ['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].filter(set);
    if (files.length > 0) at.at('credentialName').error(`cannot set ${files.join(', ')} when credentialName is set: the credential provides the certificates`);
    return;
  }
  if (mode === 'MUTUAL') {
    if (!set('clientCertificate')) at.at('clientCertificate').error('clientCertificate is required for MUTUAL TLS (or set credentialName)');
    if (!set('privateKey')) at.at('privateKey').error('privateKey is required for MUTUAL TLS (or set credentialName)');
  }
}

function checkConfigMapCredential(name: string, namespace: string | undefined, at: Reporter): void {
  const rest = name.slice(CONFIGMAP_PREFIX.length);
  const parts = rest.split('/');
  if (parts.length > 2 || parts.some((p) => p === '' || !isIstioDNSLabel(p.split('.')[0]))) {
    at.error(`invalid configmap:// credentialName ${JSON.stringify(name)}: expected configmap://<name> or configmap://<namespace>/<name>`);
    return;
  }
  const ns = parts.length === 2 ? parts[0] : namespace;
  if (!namespace || ns !== namespace) {
    at.error(`invalid configmap:// credentialName: the namespace must be the resource's own namespace${namespace ? ` (${JSON.stringify(namespace)})` : ''}`);
  }
}
