import type { Reporter } from '../../diagnostic.js';
import type { ConfigMapContent } from './types.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_TOTAL_BYTES = 1024 * 1024;

/** Why a ConfigMap key is invalid (the API server's rule), or undefined. */
export function checkConfigKey(key: string): string | undefined {
  if (key.length === 0 || key.length > 253) return 'a key must be 1..253 characters long';
  if (!CONFIG_KEY.test(key)) return `invalid key ${JSON.stringify(key)}: only alphanumerics, "-", "_" and "." are allowed`;
  if (key === '.' || key === '..') return `invalid key ${JSON.stringify(key)}`;
  return undefined;
}

/** The API server's ConfigMap rules: valid keys, no key in both maps, base64 binary data, 1 MiB total. */
export function validateConfigMap(cm: ConfigMapContent, at: Reporter): void {
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    const err = checkConfigKey(key);
    if (err) at.at('data').at(key).error(err);
    total += key.length + new TextEncoder().encode(String(value ?? '')).length;
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    const err = checkConfigKey(key);
    if (err) at.at('binaryData').at(key).error(err);
    if (cm.data && key in cm.data) at.at('binaryData').at(key).error(`key ${JSON.stringify(key)} is also in data`);
    if (typeof value === 'string' && !BASE64.test(value.replace(/\s/g, ''))) at.at('binaryData').at(key).error('binaryData values must be base64-encoded');
    total += key.length + Math.floor((String(value ?? '').length * 3) / 4);
  }
  if (total > MAX_TOTAL_BYTES) at.error(`a ConfigMap may hold at most 1 MiB of data, this one holds ${total} bytes`);
}
