// Cipher suite names Envoy's BoringSSL build accepts (the list Istio checks against).
const ENVOY_CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-PSK-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-PSK-AES128-CBC-SHA',
  'AES128-GCM-SHA256',
  'AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-PSK-AES256-CBC-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA',
  'PSK-AES128-CBC-SHA',
  'PSK-AES256-CBC-SHA',
  'DES-CBC3-SHA',
]);

/**
 * True when Envoy would accept the cipher suite entry. Entries that start with an operator
 * or a bracket (`[A|B]`, `-X`, `!X`) are cipher-list expressions and are not second-guessed.
 */
export function isKnownCipherSuite(name: string): boolean {
  if (name === '' || name === 'ALL') return true;
  if (!/^[A-Za-z0-9]/.test(name)) return true;
  return ENVOY_CIPHER_SUITES.has(name);
}
