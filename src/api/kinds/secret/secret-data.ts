import type { SecretContent } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `value` is canonical base64 (whitespace ignored), as the API server requires for `data`. */
export function isBase64(value: string): boolean {
  return BASE64.test(value.replace(/\s/g, ''));
}

/**
 * The decoded value of every key, `stringData` winning over `data` as on the API server. Values
 * that are not strings or not base64 are left out (validation reports them).
 */
export function secretValues(content: SecretContent): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(content.data ?? {})) {
    if (typeof v === 'string' && isBase64(v)) out.set(k, Buffer.from(v.replace(/\s/g, ''), 'base64'));
  }
  for (const [k, v] of Object.entries(content.stringData ?? {})) {
    if (typeof v === 'string') out.set(k, Buffer.from(v, 'utf8'));
  }
  return out;
}
