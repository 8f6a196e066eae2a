export { defaultMeshConfig, mergeMeshConfig } from './defaults.js';
export { meshConfigKind } from './definition.js';
export type { ExtensionProvider, LabelSelector, MeshConfig, ProxyConfig, TlsConfig } from './types.js';
