import type { PolicyTargeting } from '../policy-target/types.js';

/** Where in the filter chain a plugin is inserted. */
export type PluginPhase = 'UNSPECIFIED_PHASE' | 'AUTHN' | 'AUTHZ' | 'STATS';

/** `extensions.istio.io` WasmPlugin spec. */
export interface WasmPluginSpec extends PolicyTargeting {
  /** `oci://`, `file://`, `http(s)://` or a bare image reference (treated as OCI). */
  url: string;
  sha256?: string;
  imagePullPolicy?: 'UNSPECIFIED_POLICY' | 'IfNotPresent' | 'Always';
  imagePullSecret?: string;
  verificationKey?: string;
  /** Free-form configuration handed to the plugin. */
  pluginConfig?: Record<string, unknown>;
  pluginName?: string;
  phase?: PluginPhase;
  priority?: number;
  failStrategy?: 'FAIL_CLOSE' | 'FAIL_OPEN' | 'FAIL_RELOAD';
  vmConfig?: { env?: EnvVar[] };
  match?: TrafficSelector[];
  type?: 'UNSPECIFIED_PLUGIN_TYPE' | 'HTTP' | 'NETWORK';
}

/** `EnvVar` of the Wasm VM; `value` only with `valueFrom: INLINE`. */
export interface EnvVar {
  name: string;
  valueFrom?: 'INLINE' | 'HOST';
  value?: string;
}

/** `WasmPlugin.TrafficSelector`: direction and destination ports the plugin applies to. */
export interface TrafficSelector {
  mode?: 'UNDEFINED' | 'CLIENT' | 'SERVER' | 'CLIENT_AND_SERVER';
  ports?: { number: number }[];
}
