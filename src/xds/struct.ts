// Struct conversion lives in src/shared so the proxy's xds-client uses the same code.
export { jsonToStruct, structToJson, type JsonValue } from '../shared/protobuf-struct.js';
