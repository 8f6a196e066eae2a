import { list, map, message, str, uint32, type Schema } from '../../schema/schema.js';
import { serverTlsSettingsSchema } from './server-tls-settings.js';

/** Port of a Gateway server (istio.networking.v1alpha3.Port). */
export const gatewayPortSchema: Schema = message('Port', () => ({
  number: uint32(),
  protocol: str(),
  name: str(),
  targetPort: uint32(),
}));

/** One Gateway server. */
export const serverSchema: Schema = message('Server', () => ({
  port: gatewayPortSchema,
  bind: str(),
  hosts: list(str()),
  tls: serverTlsSettingsSchema,
  defaultEndpoint: str(),
  name: str(),
}));

/** Gateway spec. */
export const gatewaySchema: Schema = message('Gateway', () => ({
  servers: list(serverSchema),
  selector: map(str()),
}));
