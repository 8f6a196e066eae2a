/**
 * Equality selectors as Kubernetes' `labels.SelectorFromSet` builds them: every key must be
 * present with the same value; the empty selector matches everything.
 */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `app=reviews,version=v1`: keys sorted, as Kubernetes prints a selector. */
export function selectorString(selector: Record<string, string>): string {
  return Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',');
}
