/** A core v1 Secret's content (top-level fields, there is no `spec`). */
export interface SecretContent {
  /** Base64-encoded values. */
  data?: Record<string, string>;
  /** Plain-text values; written over `data` (the API server merges them on write). */
  stringData?: Record<string, string>;
  /** `kubernetes.io/tls`, `Opaque` (the default) or another Kubernetes secret type. */
  type?: string;
  immutable?: boolean;
}

/** The Kubernetes type of TLS secrets. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** Key names of the two layouts Istio reads (`kubernetes.io/tls` and the generic one). */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt', crl: 'ca.crl' } as const;
export const GENERIC_KEYS = { cert: 'cert', key: 'key', ca: 'cacert', crl: 'crl' } as const;

/** Istio's suffix for the CA half of a credential (`NAME-cacert`), as a secret name and in SDS names. */
export const CA_SUFFIX = '-cacert';
