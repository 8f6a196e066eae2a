/**
 * Outcomes of JWT verification, spelled as Envoy's jwt_verify_lib spells them: the 401/403 body
 * of a refused request is this text, so clients and runbooks that match on it keep working.
 */
export const JWT_STATUS = {
  ok: 'OK',
  missing: 'Jwt is missing',
  notYetValid: 'Jwt not yet valid',
  expired: 'Jwt is expired',
  badFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  headerBadBase64: 'Jwt header is an invalid Base64url encoded',
  headerBadJson: 'Jwt header is an invalid JSON',
  headerBadAlg: 'Jwt header [alg] field is required and must be a string',
  headerAlgNotImplemented: 'Jwt header [alg] is not supported',
  headerBadKid: 'Jwt header [kid] field is not a string',
  payloadBadBase64: 'Jwt payload is an invalid Base64url encoded',
  payloadBadJson: 'Jwt payload is an invalid JSON',
  issNotString: 'Jwt payload [iss] field is not a string',
  subNotString: 'Jwt payload [sub] field is not a string',
  iatNotInteger: 'Jwt payload [iat] field is not an integer',
  iatOutOfRange: 'Jwt payload [iat] field is not a positive 64 bit integer',
  nbfNotInteger: 'Jwt payload [nbf] field is not an integer',
  expNotInteger: 'Jwt payload [exp] field is not an integer',
  jtiNotString: 'Jwt payload [jti] field is not a string',
  audNotString: 'Jwt payload [aud] field is not a string or string list',
  signatureBadBase64: 'Jwt signature is an invalid Base64url encoded',
  ed25519SignatureWrongLength: 'Jwt ED25519 signature is wrong length',
  unknownIssuer: 'Jwt issuer is not configured',
  audienceNotAllowed: 'Audiences in Jwt are not allowed',
  verificationFail: 'Jwt verification fails',
  jwksNoValidKeys: "Jwks doesn't have any valid public key",
  jwksKidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
} as const;

/** One verification outcome (its Envoy text). */
export type JwtStatus = (typeof JWT_STATUS)[keyof typeof JWT_STATUS];

/** Envoy's `%RESPONSE_CODE_DETAILS%` for a refusal: `jwt_authn_access_denied{Jwt_is_expired}`. */
export function refusalDetails(message: string): string {
  return `jwt_authn_access_denied{${message.replace(/\s/g, '_')}}`;
}
