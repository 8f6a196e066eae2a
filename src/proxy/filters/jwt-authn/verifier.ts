import type { JwtProviderConfig, JwtRequirement } from './config.js';
import { audienceChecker } from './token.js';
import { authenticate, type JwtRequestState, type ProviderSet } from './authenticator.js';
import { TokenExtractor } from './extractor.js';
import { JWT_STATUS, type JwtStatus } from './status.js';

/** A compiled requirement: verifies one request and says how it went. */
export type RequirementVerifier = (state: JwtRequestState) => Promise<JwtStatus>;

function byName(set: ProviderSet, names: readonly string[]): JwtProviderConfig[] {
  return names.map((n) => set.all.find((p) => p.name === n)).filter((p): p is JwtProviderConfig => p !== undefined);
}

function bypass(kind: 'allow_missing' | 'allow_missing_or_failed', providers: readonly JwtProviderConfig[], set: ProviderSet): RequirementVerifier {
  const extractor = new TokenExtractor(providers);
  const opts = { allowFailed: kind === 'allow_missing_or_failed', allowMissing: true };
  return (state) => {
    extractor.sanitizeHeaders(state.headers);
    return authenticate(extractor.extract(state), opts, set, state);
  };
}

/**
 * Compiles a requirement tree once per config, as Envoy's verifier does: a provider checks the
 * tokens in its own locations; `requires_any` tries its providers in order and then at most one
 * allow_missing(_or_failed) over the providers it lists (the first success wins, otherwise the
 * last child's status); `requires_all` stops at the first failure; a top-level allow_missing
 * has no provider and so always passes.
 */
export function compileRequirement(req: JwtRequirement, set: ProviderSet, parentProviders: readonly string[] = []): RequirementVerifier {
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
      return bypass(req.kind, byName(set, parentProviders), set);
    case 'any': {
      const used: string[] = [];
      let bypassKind: 'allow_missing' | 'allow_missing_or_failed' | undefined;
      const children: RequirementVerifier[] = [];
      for (const r of req.requirements) {
        if (r.kind === 'allow_missing' || r.kind === 'allow_missing_or_failed') {
          if (bypassKind !== 'allow_missing_or_failed') bypassKind = r.kind;
          continue;
        }
        if (r.kind === 'provider') used.push(r.provider);
        children.push(compileRequirement(r, set));
      }
      if (bypassKind) children.push(bypass(bypassKind, byName(set, used), set));
      return async (state) => {
        let last: JwtStatus = JWT_STATUS.ok;
        for (const child of children) {
          last = await child(state);
          if (last === JWT_STATUS.ok) return last;
        }
        return last;
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
