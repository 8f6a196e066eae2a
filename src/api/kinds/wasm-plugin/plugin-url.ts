const SCHEMES = new Set(['', 'file', 'http', 'https', 'oci']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Why a WasmPlugin `url` is unusable, or undefined. Like Istio, a value without a scheme
 * is read as if it had one (`ghcr.io/org/plugin:1.0` is an OCI reference), but anything
 * before a first `:` that looks like a scheme is taken as one (`localhost:5000/p` has the
 * scheme `localhost`, which is rejected; write `oci://localhost:5000/p`).
 */
export function checkPluginUrl(url: string): string | undefined {
  if (url === '') return 'url field needs to be set';
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return `failed to parse url ${JSON.stringify(url)}: it contains whitespace or control characters`;
  // Go's URL parser (behind the CRD's isURL rule) refuses a '%' that does not start an escape.
  if (/%(?![0-9A-Fa-f]{2})/.test(url)) return `failed to parse url ${JSON.stringify(url)}: invalid percent-escape`;
  const m = SCHEME.exec(url);
  const scheme = m ? m[1].toLowerCase() : '';
  if (!SCHEMES.has(scheme)) return `url has an unsupported scheme ${JSON.stringify(scheme)}; use oci://, file://, http:// or https://`;
  if (scheme === 'http' || scheme === 'https' || scheme === 'oci') {
    try {
      const host = new URL(url.replace(/^oci:/i, 'http:')).host;
      if (host === '') return `url ${JSON.stringify(url)} has no host`;
    } catch (err) {
      return `failed to parse url ${JSON.stringify(url)}: ${(err as Error).message}`;
    }
  }
  return undefined;
}
