/** Kubernetes `Namespace.spec`. Istio reads only the namespace's labels (injection, discovery selectors). */
export interface NamespaceSpec {
  finalizers?: string[];
}
