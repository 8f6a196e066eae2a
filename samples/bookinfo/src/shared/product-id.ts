/**
 * Parses a product id path segment. Bookinfo's ids are small non-negative integers; anything
 * else is refused so that a bad id never reaches an upstream URL unescaped.
 */
export function parseProductId(segment: string | undefined): number | undefined {
  if (segment === undefined || !/^\d{1,9}$/.test(segment)) return undefined;
  return Number(segment);
}

/** Matches `/<prefix>/<id>` (with an optional trailing slash) and returns the raw id segment. */
export function matchIdPath(pathname: string, prefix: string): string | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length !== 2 || parts[0] !== prefix) return undefined;
  return parts[1];
}
