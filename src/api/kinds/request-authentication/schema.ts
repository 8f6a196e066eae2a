import { bool, duration, list, message, str, type Schema } from '../../schema/schema.js';
import { policyTargetingFields } from '../policy-target/schema.js';

const jwtRuleSchema: Schema = message('JWTRule', () => ({
  issuer: str(),
  audiences: list(str()),
  jwksUri: str(),
  jwks: str(),
  fromHeaders: list(message('JWTHeader', () => ({ name: str(), prefix: str() }))),
  fromParams: list(str()),
  fromCookies: list(str()),
  outputPayloadToHeader: str(),
  forwardOriginalToken: bool(),
  outputClaimToHeaders: list(message('ClaimToHeader', () => ({ header: str(), claim: str() }))),
  timeout: duration(),
  spaceDelimitedClaims: list(str()),
}));

/** Schema of the RequestAuthentication spec. */
export const requestAuthenticationSchema: Schema = message('RequestAuthentication', () => ({
  ...policyTargetingFields(),
  jwtRules: list(jwtRuleSchema),
}));
