/**
 * Why an inline JWKS cannot be used, or undefined. Accepts a key set (`{"keys": [...]}`)
 * or a single JWK, each key needing a known `kty`, as JWKS parsers do.
 */
export function checkInlineJwks(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `jwks is not valid JSON: ${(err as Error).message}`;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'jwks must be a JSON object';
  const obj = doc as Record<string, unknown>;
  const keys = 'keys' in obj ? obj.keys : [obj];
  if (!Array.isArray(keys)) return 'jwks "keys" must be an array';
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null) return `jwks key ${i} must be an object`;
    const kty = (key as Record<string, unknown>).kty;
    if (typeof kty !== 'string' || !['RSA', 'EC', 'oct', 'OKP'].includes(kty)) return `jwks key ${i} has an unsupported or missing "kty" (${JSON.stringify(kty ?? null)})`;
  }
  return undefined;
}
