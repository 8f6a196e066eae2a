/**
 * `<pod>.<namespace>` of a node id (`sidecar~198.18.0.5~reviews-v1.default~default.svc.cluster.local`),
 * the name istioctl shows in proxy-status and accepts as PROXY; the id itself when it has no `~`.
 */
export function proxyShortName(nodeId: string): string {
  const parts = nodeId.split('~');
  return parts.length >= 3 && parts[2] ? parts[2] : nodeId;
}

/**
 * True when `query` names the proxy: its full node id, its connection id, `<pod>.<namespace>`,
 * or the bare pod name when the namespace is `defaultNamespace`.
 */
export function proxyMatches(query: string, nodeId: string, connectionId = '', defaultNamespace = 'default'): boolean {
  if (query === nodeId || query === connectionId) return true;
  const short = proxyShortName(nodeId);
  return query === short || `${query}.${defaultNamespace}` === short;
}
