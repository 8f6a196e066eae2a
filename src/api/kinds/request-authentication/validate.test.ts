import { runValidationCases } from '../../testing/validation-cases.js';

const ra = (spec: string): string => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
${spec.replace(/^/gm, '  ')}`;
const rule = (fields: string): string => ra(`jwtRules:\n- issuer: https://issuer.example\n${fields.replace(/^/gm, '  ')}`);
const JWKS = JSON.stringify(JSON.stringify({ keys: [{ kty: 'RSA', e: 'AQAB', n: 'xyz', kid: 'k1' }] }));

runValidationCases('RequestAuthentication', [
  {
    name: 'a complete rule', valid: true, noWarnings: true,
    yaml: ra(`selector: {matchLabels: {app: web}}
jwtRules:
- issuer: https://issuer.example
  audiences: [web, api]
  jwksUri: https://issuer.example/.well-known/jwks.json
  fromHeaders: [{name: x-jwt, prefix: "Bearer "}]
  fromParams: [token]
  fromCookies: [session]
  outputPayloadToHeader: x-jwt-payload
  forwardOriginalToken: true
  outputClaimToHeaders: [{header: x-user, claim: sub}]
  timeout: 5s`),
  },
  { name: 'jwks_uri in snake case is accepted', valid: true, yaml: rule('jwks_uri: https://issuer.example/jwks') },
  { name: 'a missing issuer', valid: false, error: 'spec.jwtRules[0].issuer: issuer must be set', yaml: ra('jwtRules: [{jwksUri: "https://a.example/jwks"}]') },
  { name: 'an empty audience', valid: false, error: 'spec.jwtRules[0].audiences[1]: an audience must be a non-empty string', yaml: rule('audiences: [a, ""]') },
  { name: 'an http jwksUri is accepted', valid: true, yaml: rule('jwksUri: http://keys.shop.svc.cluster.local:8080/jwks') },
  { name: 'an ftp jwksUri', valid: false, error: 'spec.jwtRules[0].jwksUri: URI scheme "ftp" is not supported', yaml: rule('jwksUri: ftp://a.example/jwks') },
  { name: 'a relative jwksUri', valid: false, error: 'spec.jwtRules[0].jwksUri: jwksUri "/jwks" is not a valid URL', yaml: rule('jwksUri: /jwks') },
  { name: 'an inline jwks', valid: true, yaml: rule(`jwks: ${JWKS}`) },
  { name: 'an inline jwks that is not JSON', valid: false, error: 'spec.jwtRules[0].jwks: jwks is not valid JSON', yaml: rule('jwks: "{not json"') },
  { name: 'an inline jwks key without kty', valid: false, error: 'spec.jwtRules[0].jwks: jwks key 0 has an unsupported or missing "kty"', yaml: rule(`jwks: '{"keys": [{"n": "x"}]}'`) },
  { name: 'both jwks and jwksUri', valid: false, error: 'spec.jwtRules[0]: only one of jwks or jwksUri can be set', yaml: rule(`jwks: ${JWKS}\njwksUri: https://a.example/jwks`) },
  { name: 'a header location without a name', valid: false, error: 'spec.jwtRules[0].fromHeaders[0].name: the header name must be a non-empty string', yaml: rule('fromHeaders: [{prefix: "Bearer "}]') },
  { name: 'an empty query parameter', valid: false, error: 'spec.jwtRules[0].fromParams[0]: a query parameter name must be a non-empty string', yaml: rule('fromParams: [""]') },
  { name: 'an empty cookie name', valid: false, error: 'spec.jwtRules[0].fromCookies[0]: a cookie name must be a non-empty string', yaml: rule('fromCookies: [""]') },
  { name: 'a claim copied to a bad header name', valid: false, error: 'spec.jwtRules[0].outputClaimToHeaders[0].header: header name "x user" is not valid', yaml: rule('outputClaimToHeaders: [{header: "x user", claim: sub}]') },
  { name: 'a claim header without claim', valid: false, error: 'spec.jwtRules[0].outputClaimToHeaders[0].claim: claim must be a non-empty string', yaml: rule('outputClaimToHeaders: [{header: x-user}]') },
  { name: 'a bad outputPayloadToHeader warns', valid: true, warning: 'spec.jwtRules[0].outputPayloadToHeader', yaml: rule('outputPayloadToHeader: "x:payload"') },
  { name: 'a timeout below 1ms', valid: false, error: 'spec.jwtRules[0].timeout: duration must be greater than 1ms', yaml: rule('timeout: 100us') },
  { name: 'a malformed timeout', valid: false, error: 'spec.jwtRules[0].timeout: invalid duration', yaml: rule('timeout: soon') },
  { name: 'a targetRef to a Service', valid: true, yaml: ra('targetRef: {kind: Service, name: web}\njwtRules: [{issuer: a}]') },
  { name: 'selector and targetRefs together', valid: false, error: 'spec: only one of targetRefs, targetRef or selector can be set', yaml: ra('selector: {matchLabels: {app: a}}\ntargetRefs: [{kind: Service, name: web}]') },
  { name: 'a targetRef without a name', valid: false, error: 'spec.targetRef.name: targetRef name must be set', yaml: ra('targetRef: {kind: Service}') },
  { name: 'the same issuer twice warns', valid: true, warning: 'spec.jwtRules[1].issuer: issuer "a" is also configured by jwtRules[0]', yaml: ra('jwtRules: [{issuer: a}, {issuer: a}]') },
  { name: 'space-delimited claims', valid: true, yaml: rule('spaceDelimitedClaims: [scope, permissions]') },
  { name: 'an empty space-delimited claim', valid: false, error: 'spec.jwtRules[0].spaceDelimitedClaims[1]: a space-delimited claim name must be a non-empty string', yaml: rule('spaceDelimitedClaims: [scope, ""]') },
  { name: 'a null JWT rule', valid: false, error: 'spec.jwtRules[0]: a list item must not be null', yaml: ra('jwtRules:\n- null') },
]);
