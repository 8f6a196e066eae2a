import type { PolicyTargeting } from '../policy-target/types.js';

/** `security.istio.io` RequestAuthentication spec: which JWTs a workload validates. */
export interface RequestAuthenticationSpec extends PolicyTargeting {
  jwtRules?: JwtRule[];
}

/** `JWTRule`: one issuer and where its keys and tokens are found. */
export interface JwtRule {
  issuer?: string;
  audiences?: string[];
  /** https:// or http:// URL of the JWKS; at most one of jwksUri and jwks. */
  jwksUri?: string;
  /** The JWKS inline, as a JSON string. */
  jwks?: string;
  fromHeaders?: JwtHeader[];
  fromParams?: string[];
  fromCookies?: string[];
  outputPayloadToHeader?: string;
  forwardOriginalToken?: boolean;
  outputClaimToHeaders?: ClaimToHeader[];
  /** How long to wait for the JWKS fetch (Go duration string). */
  timeout?: string;
  /** Claims whose value is a space-separated list (like `scope`). */
  spaceDelimitedClaims?: string[];
}

/** `JWTHeader`: a header carrying the token, with an optional prefix (`Bearer `). */
export interface JwtHeader {
  name: string;
  prefix?: string;
}

/** `ClaimToHeader`: copies a claim of a verified token into a request header. */
export interface ClaimToHeader {
  header: string;
  claim: string;
}
