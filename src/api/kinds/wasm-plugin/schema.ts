import { any, enumOf, int32, list, message, str, uint32, type Schema } from '../../schema/schema.js';
import { policyTargetingFields } from '../policy-target/schema.js';

/** Schema of the WasmPlugin spec (extensions.istio.io v1alpha1). */
export const wasmPluginSchema: Schema = message('WasmPlugin', () => ({
  ...policyTargetingFields(),
  url: str(),
  sha256: str(),
  imagePullPolicy: enumOf('UNSPECIFIED_POLICY', 'IfNotPresent', 'Always'),
  imagePullSecret: str(),
  verificationKey: str(),
  pluginConfig: any(),
  pluginName: str(),
  phase: enumOf('UNSPECIFIED_PHASE', 'AUTHN', 'AUTHZ', 'STATS'),
  priority: int32(),
  failStrategy: enumOf('FAIL_CLOSE', 'FAIL_OPEN', 'FAIL_RELOAD'),
  vmConfig: message('VmConfig', () => ({
    env: list(message('EnvVar', () => ({ name: str(), valueFrom: enumOf('INLINE', 'HOST'), value: str() }))),
  })),
  match: list(message('WasmPlugin.TrafficSelector', () => ({
    mode: enumOf('UNDEFINED', 'CLIENT', 'SERVER', 'CLIENT_AND_SERVER'),
    ports: list(message('PortSelector', () => ({ number: uint32() }))),
  }))),
  type: enumOf('UNSPECIFIED_PLUGIN_TYPE', 'HTTP', 'NETWORK'),
}));
