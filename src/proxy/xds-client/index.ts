/**
 * The proxy's xDS client: the only code in src/proxy that touches protos. It keeps an ADS
 * stream to the controller and publishes validated {@link ProxySnapshot}s to a SnapshotHolder.
 */
export type { ProxySnapshot } from '../config/model.js';
export { XdsClient, type XdsClientEvents, type XdsClientOptions } from './xds-client.js';
export type { ConnectionState, DumpedResource, NackInfo, ResourceDump, TypeStatus, XdsClientStatus } from './xds-client-status.js';
export type { LocalSecretProvider } from './local-secret-provider.js';
export { buildNode, nodeId, nodeMetadata, type NodeIdentity } from './node-identity.js';
export type { BackoffOptions } from './backoff.js';
export type { AdsServerAddress } from './ads-transport.js';
export { DEFAULT_XDS_SERVER_NAME, followClientCertificate, trustedRoots, xdsTlsFromCertificate, type XdsClientCertificateOptions } from './client-certificate.js';
export { XDS_TYPE, type XdsTypeUrl } from './resource-types.js';
