import { list, message, str, type Schema } from '../../schema/schema.js';

/** Schema of a Kubernetes Namespace `spec`. */
export const namespaceSchema: Schema = message('NamespaceSpec', () => ({ finalizers: list(str()) }));
