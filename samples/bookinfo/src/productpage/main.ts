/**
 * The productpage service: `node dist/samples/bookinfo/src/productpage/main.js`.
 * Env: PORT, HOST, SERVICE_VERSION, DETAILS_URL, REVIEWS_URL, RATINGS_URL,
 * UPSTREAM_TIMEOUT_MS, HTTP_PROXY / NO_PROXY, DEBUG (see samples/bookinfo/README.md).
 */
import { readServiceEnv, upstreamTimeoutMs, upstreamUrl } from '../shared/service-env.js';
import { debugLog, startService, stopOnSignals } from '../shared/start-service.js';
import { createUpstreamDispatcher } from '../shared/upstream-dispatcher.js';
import { PRODUCTPAGE_TIMEOUTS, createProductPageHandler } from './productpage-app.js';

const env = readServiceEnv();
const dispatcher = createUpstreamDispatcher();
const handler = createProductPageHandler({
  version: env.version,
  detailsUrl: upstreamUrl('details'),
  reviewsUrl: upstreamUrl('reviews'),
  ratingsUrl: upstreamUrl('ratings'),
  dispatcher,
  timeoutMs: upstreamTimeoutMs(PRODUCTPAGE_TIMEOUTS.perAttemptMs),
  debug: env.debug ? (line) => debugLog('productpage', line) : undefined,
});
const service = await startService('productpage', env, handler);
stopOnSignals(service, () => dispatcher.close());
