import type { JwtProviderConfig, JwtRequirement } from './config.js';
import { audienceChecker } from './token.js';
import { authenticate, type JwtRequestState, type ProviderSet } from './authenticator.js';
import { TokenExtractor } from './extractor.js';
import { JWT_STATUS, type JwtStatus } from './status.js';

/** A compiled requirement: verifies one request and says how it went. */
export type RequirementVerifier = (state: JwtRequestState) => Promise<JwtStatus>;

function bypass(kind: 'allow_missing' | 'allow_missing_or_failed', providers: readonly JwtProviderConfig[], set: ProviderSet): RequirementVerifier {
  const extractor = new TokenExtractor(providers);
  const opts = { allowFailed: kind === 'allow_missing_or_failed', allowMissing: true };
  return (state) => {
    extractor.sanitizeHeaders(state.headers);
    return authenticate(extractor.extract(state), opts, set, state);
  };
}

/**
 * Envoy's aggregate of a failed `requires_any`: a real error wins over "missing" and "unknown
 * issuer" (the last real one), and "unknown issuer" wins over "missing".
 */
function anyFailure(statuses: readonly JwtStatus[]): JwtStatus {
  let final: JwtStatus = JWT_STATUS.missing;
  for (const s of statuses) {
    if ((s !== JWT_STATUS.missing && s !== JWT_STATUS.unknownIssuer) || final === JWT_STATUS.missing) final = s;
  }
  return final;
}

/**
 * Compiles a requirement tree once per config, as Envoy's verifier does: a provider checks the
 * tokens in its own locations; `requires_any` tries its other requirements in order (the first
 * success wins), and its allow_missing / allow_missing_or_failed entries decide what a failure
 * means (any failure passes, or only a missing token passes); `requires_all` stops at the first
 * failure; a bare allow_missing(_or_failed) verifies the tokens of every provider.
 */
export function compileRequirement(req: JwtRequirement, set: ProviderSet): RequirementVerifier {
  switch (req.kind) {
    case 'provider': {
      const provider = set.all.find((p) => p.name === req.provider);
      if (!provider) return () => Promise.resolve(JWT_STATUS.unknownIssuer);
      const extractor = new TokenExtractor([provider]);
      const opts = { provider, allowFailed: false, allowMissing: false, ...(req.audiences && req.audiences.length > 0 ? { audiences: audienceChecker(req.audiences) } : {}) };
      return (state) => {
        extractor.sanitizeHeaders(state.headers);
        return authenticate(extractor.extract(state), opts, set, state);
      };
    }
    case 'allow_missing':
    case 'allow_missing_or_failed':
      return bypass(req.kind, set.all, set);
    case 'any': {
      let allowMissing = false;
      let allowFailed = false;
      const children: RequirementVerifier[] = [];
      for (const r of req.requirements) {
        if (r.kind === 'allow_missing_or_failed') allowFailed = true;
        else if (r.kind === 'allow_missing') allowMissing = true;
        else children.push(compileRequirement(r, set));
      }
      if (children.length === 0 && (allowFailed || allowMissing)) children.push(bypass(allowFailed ? 'allow_missing_or_failed' : 'allow_missing', set.all, set));
      return async (state) => {
        const statuses: JwtStatus[] = [];
        for (const child of children) {
          const s = await child(state);
          if (s === JWT_STATUS.ok) return s;
          statuses.push(s);
        }
        const final = anyFailure(statuses);
        if (allowFailed || (allowMissing && final === JWT_STATUS.missing)) return JWT_STATUS.ok;
        return final;
      };
    }
    case 'all': {
      const children = req.requirements.map((r) => compileRequirement(r, set));
      return async (state) => {
        for (const child of children) {
          const s = await child(state);
          if (s !== JWT_STATUS.ok) return s;
        }
        return JWT_STATUS.ok;
      };
    }
    case 'none':
      return () => Promise.resolve(JWT_STATUS.ok);
  }
}
