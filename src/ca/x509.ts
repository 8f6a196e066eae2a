// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API
// loaded first; and it signs with whatever WebCrypto it is given. Every Plexus module imports the
// library through this file so that both are always in place, whatever the import order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** Node's WebCrypto, typed as the DOM Crypto that @peculiar/x509 expects. */
export const subtle = webcrypto.subtle as unknown as SubtleCrypto;
