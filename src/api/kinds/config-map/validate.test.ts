import { runValidationCases } from '../../testing/validation-cases.js';

const cm = (body: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n${body}`;

runValidationCases('ConfigMap', [
  { name: 'data and binaryData', valid: true, noWarnings: true, yaml: cm('data: {app.properties: "a=b", LOG_LEVEL: debug}\nbinaryData: {logo.png: aGVsbG8=}\nimmutable: true') },
  { name: 'an empty ConfigMap', valid: true, yaml: cm('') },
  { name: 'a key with a slash', valid: false, error: 'data["conf/app"]: invalid key "conf/app"', yaml: cm('data: {conf/app: x}') },
  { name: 'a key in both maps', valid: false, error: 'binaryData.a: key "a" is also in data', yaml: cm('data: {a: x}\nbinaryData: {a: eA==}') },
  { name: 'binary data that is not base64', valid: false, error: 'binaryData.a: binaryData values must be base64-encoded', yaml: cm('binaryData: {a: "not base64!"}') },
  { name: 'a non-string data value', valid: false, error: 'data.port: expected a string', yaml: cm('data: {port: 8080}') },
  { name: 'a spec is not part of a ConfigMap', valid: false, error: 'specs: unknown field "specs"', yaml: cm('specs: {}') },
]);
