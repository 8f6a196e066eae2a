import type { SecureVersion } from 'node:tls';

const VERSIONS: Readonly<Record<string, SecureVersion | undefined>> = {
  TLS_AUTO: undefined,
  TLSv1_0: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
  TLSv1: 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

/** Envoy's downstream defaults: TLS 1.2 to TLS 1.3. */
export const DEFAULT_MIN_VERSION: SecureVersion = 'TLSv1.2';
export const DEFAULT_MAX_VERSION: SecureVersion = 'TLSv1.3';

/** Node's name for a TLS version given in Envoy's (`TLSv1_2`) or Node's (`TLSv1.2`) spelling; undefined for `TLS_AUTO` or unknown. */
export function nodeTlsVersion(version: string | undefined): SecureVersion | undefined {
  return version === undefined ? undefined : VERSIONS[version];
}
