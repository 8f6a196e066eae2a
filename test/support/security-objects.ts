// YAML builders for the security tests' objects (Services, policies), kept small and literal.

/** A Service selecting app=NAME with named ports, and a fixed cluster IP when given. */
export function serviceYaml(namespace: string, name: string, ports: ReadonlyArray<{ port: number; name: string }>, clusterIP?: string): string {
  const list = ports.map((p) => `{name: ${p.name}, port: ${p.port}}`).join(', ');
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec: {selector: {app: ${name}}, ${clusterIP ? `clusterIP: ${clusterIP}, ` : ''}ports: [${list}]}
`;
}

/** An AuthorizationPolicy; `spec` is YAML flow or block text indented under `spec:`. */
export function authzPolicy(namespace: string, name: string, spec: string, annotations: Readonly<Record<string, string>> = {}): string {
  const ann = Object.keys(annotations).length ? `\n  annotations: {${Object.entries(annotations).map(([k, v]) => `${k}: "${v}"`).join(', ')}}` : '';
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${namespace}${ann}
spec:
${spec.split('\n').filter((l) => l.trim()).map((l) => `  ${l}`).join('\n')}
`;
}

/** Joins YAML documents. */
export function docs(...parts: string[]): string {
  return parts.map((p) => p.trimEnd()).join('\n---\n') + '\n';
}
