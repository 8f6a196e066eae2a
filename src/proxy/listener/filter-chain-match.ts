import type { FilterChain, ListenerConfig } from '../config/model.js';
import { longestPrefixMatch, parseIp } from './ip-address.js';
import { serverNameSpecificity } from './server-name.js';

/** What the listener knows about a connection when it picks a filter chain. */
export interface ConnectionFacts {
  /** The original destination (under capture) or the local address. */
  readonly destinationAddress: string;
  readonly destinationPort: number;
  readonly sourceAddress: string;
  /** SNI from the ClientHello, when the tls inspector saw one. */
  readonly serverName?: string;
  /** `tls` when the tls inspector saw a ClientHello, else `raw_buffer`. */
  readonly transportProtocol: string;
  /** ALPN offered in the ClientHello, or `http/1.1` / `h2c` from the http inspector. */
  readonly applicationProtocols: readonly string[];
}

/** Scores one chain on one criterion: undefined = excluded, 0 = criterion absent, >0 = specific match. */
type Scorer = (chain: FilterChain) => number | undefined;

/**
 * Keeps the chains with the best score. Like Envoy, the most specific value wins at each level
 * and there is no backtracking: if the most specific chains fail a later criterion, the
 * connection matches nothing rather than falling back to a less specific chain.
 */
function narrow(chains: readonly FilterChain[], score: Scorer): FilterChain[] {
  let best = -1;
  let kept: FilterChain[] = [];
  for (const chain of chains) {
    const s = score(chain);
    if (s === undefined) continue;
    if (s > best) {
      best = s;
      kept = [chain];
    } else if (s === best) {
      kept.push(chain);
    }
  }
  return kept;
}

function scorers(facts: ConnectionFacts): Scorer[] {
  const destIp = parseIp(facts.destinationAddress);
  const srcIp = parseIp(facts.sourceAddress);
  const prefixScore = (ranges: FilterChain['match']['prefixRanges'], ip: typeof destIp): number | undefined => {
    if (!ranges || ranges.length === 0) return 0;
    const len = longestPrefixMatch(ranges, ip);
    // +1 so that a /0 range still beats "no ranges at all".
    return len < 0 ? undefined : len + 1;
  };
  return [
    (c) => (c.match.destinationPort === undefined ? 0 : c.match.destinationPort === facts.destinationPort ? 1 : undefined),
    (c) => prefixScore(c.match.prefixRanges, destIp),
    (c) => {
      const names = c.match.serverNames;
      if (!names || names.length === 0) return 0;
      if (!facts.serverName) return undefined;
      const best = Math.max(...names.map((n) => serverNameSpecificity(n, facts.serverName as string)));
      return best < 0 ? undefined : best;
    },
    (c) => (!c.match.transportProtocol ? 0 : c.match.transportProtocol === facts.transportProtocol ? 1 : undefined),
    (c) => {
      const protos = c.match.applicationProtocols;
      if (!protos || protos.length === 0) return 0;
      return facts.applicationProtocols.some((p) => protos.includes(p)) ? 1 : undefined;
    },
    (c) => prefixScore(c.match.sourcePrefixRanges, srcIp),
  ];
}

/**
 * Picks the filter chain for a connection in Envoy's order: destination port, destination IP
 * prefix, server name (exact, then longest wildcard), transport protocol, application
 * protocols, source IP prefix. Returns the listener's default chain when nothing matches, and
 * undefined when there is none (the caller closes the connection).
 */
export function selectFilterChain(listener: Pick<ListenerConfig, 'filterChains' | 'defaultFilterChain'>, facts: ConnectionFacts): FilterChain | undefined {
  let candidates: readonly FilterChain[] = listener.filterChains;
  for (const score of scorers(facts)) {
    candidates = narrow(candidates, score);
    if (candidates.length === 0) return listener.defaultFilterChain;
  }
  // Envoy rejects configs where two chains have identical matches; keep the first if it happens.
  return candidates[0] ?? listener.defaultFilterChain;
}

/**
 * Which listener filters are worth running: a chain must look at what the inspector finds.
 * Chains that terminate TLS with ALPN also need the ClientHello's ALPN list, to decide whether
 * ALPN can be negotiated at all (see DownstreamTlsContexts).
 */
export function inspectorNeeds(listener: Pick<ListenerConfig, 'filterChains' | 'defaultFilterChain' | 'tlsInspector' | 'httpInspector'>): { tls: boolean; http: boolean } {
  const chains = listener.filterChains;
  const terminatesWithAlpn = [...chains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])].some((c) => (c.tls?.alpnProtocols.length ?? 0) > 0);
  const usesTls = chains.some((c) => (c.match.serverNames?.length ?? 0) > 0 || c.match.transportProtocol !== undefined || (c.match.applicationProtocols?.length ?? 0) > 0);
  const usesAlpn = chains.some((c) => (c.match.applicationProtocols?.length ?? 0) > 0);
  return { tls: (listener.tlsInspector && usesTls) || terminatesWithAlpn, http: listener.httpInspector && usesAlpn };
}
