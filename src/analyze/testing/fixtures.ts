// Small YAML building blocks shared by analyzer tests.

/** A Kubernetes Service with one or more ports. */
export function service(name: string, ns: string, ports: string, selector = `app: ${name}`): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {${selector}}
  ports: ${ports}
---
`;
}

/** A Pod with labels. */
export function pod(name: string, ns: string, labels: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}
spec:
  containers: [{name: app, image: example/app}]
---
`;
}
