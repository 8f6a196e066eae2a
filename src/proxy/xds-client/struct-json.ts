// Struct conversion is shared with the controller (src/shared is neither plane).
export { flattenJson, jsonToStruct, structToJson, type JsonValue } from '../../shared/protobuf-struct.js';
