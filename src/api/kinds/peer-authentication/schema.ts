import { enumOf, map, message, type Schema } from '../../schema/schema.js';
import { workloadSelectorSchema } from '../policy-target/schema.js';

const mutualTlsSchema: Schema = message('PeerAuthentication.MutualTLS', () => ({ mode: enumOf('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT') }));

/** Schema of the PeerAuthentication spec. */
export const peerAuthenticationSchema: Schema = message('PeerAuthentication', () => ({
  selector: workloadSelectorSchema,
  mtls: mutualTlsSchema,
  portLevelMtls: map(mutualTlsSchema),
}));
