import type { HttpFilter, HttpFilterContext } from '../filters/filter-api.js';

/**
 * Runs a request through the HTTP filters in order: each decoder may answer locally (which
 * stops the chain), and the terminal filter serves the request. Encoder hooks are registered
 * as filters are reached, so a local reply passes through the encoders of the filters before
 * it, as in Envoy.
 */
export async function runFilterChain(filters: readonly HttpFilter[], ctx: HttpFilterContext): Promise<void> {
  for (const filter of filters) {
    if (ctx.exchange.done) return;
    if (filter.encodeHeaders) {
      const encode = filter.encodeHeaders.bind(filter);
      ctx.exchange.addEncodeHook((status, headers) => encode(ctx, status, headers));
    }
    if (filter.decodeHeaders) {
      const outcome = await filter.decodeHeaders(ctx);
      if (ctx.exchange.done) return;
      if (outcome !== 'continue') {
        ctx.exchange.sendLocalReply(outcome.reply, outcome.headers);
        return;
      }
    }
    if (filter.serve) {
      await filter.serve(ctx);
      return;
    }
  }
  // The registry refuses chains without a terminal filter; this is a last resort, not a path.
  ctx.exchange.sendLocalReply({ status: 500, body: 'no terminal filter', details: 'filter_chain_not_terminated' });
}
