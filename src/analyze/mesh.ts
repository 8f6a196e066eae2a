import { obj, str } from './fields.js';

/** The mesh settings analyzers read, with Istio's defaults applied. */
export interface MeshView {
  /** Namespace whose policies apply mesh-wide (`istio-system` by default). */
  rootNamespace: string;
  /** Service name of the default ingress gateway (`istio-ingressgateway`). */
  ingressService: string;
  /** `STRICT`, `DEFAULT` or `OFF`; OFF means no default ingress gateway is assumed. */
  ingressControllerMode: string;
  /** The raw MeshConfig, for fields only one analyzer reads. */
  spec: Record<string, unknown>;
}

/** Builds the view from a MeshConfig document (or none), filling Istio's defaults. */
export function meshView(spec: Record<string, unknown> | undefined): MeshView {
  const s = spec ?? {};
  return {
    rootNamespace: str(s.rootNamespace) || 'istio-system',
    ingressService: str(s.ingressService) || 'istio-ingressgateway',
    ingressControllerMode: (str(s.ingressControllerMode) || 'STRICT').toUpperCase(),
    spec: s,
  };
}

/** `defaultConfig.proxyMetadata[key]` of the mesh config, if set. */
export function proxyMetadata(mesh: MeshView, key: string): string | undefined {
  return str(obj(obj(mesh.spec.defaultConfig)?.proxyMetadata)?.[key]);
}
