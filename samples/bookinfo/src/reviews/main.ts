/**
 * The reviews service: `node dist/samples/bookinfo/src/reviews/main.js`.
 * Env: PORT, HOST, SERVICE_VERSION (v1 | v2 | v3), RATINGS_URL, UPSTREAM_TIMEOUT_MS,
 * HTTP_PROXY / NO_PROXY, POD_NAME, CLUSTER_NAME, DEBUG (see samples/bookinfo/README.md).
 */
import { hostname } from 'node:os';
import { readServiceEnv, upstreamTimeoutMs, upstreamUrl } from '../shared/service-env.js';
import { debugLog, startService, stopOnSignals } from '../shared/start-service.js';
import { createUpstreamDispatcher } from '../shared/upstream-dispatcher.js';
import { RATINGS_TIMEOUT_MS, createReviewsHandler } from './reviews-app.js';
import { parseReviewsVersion } from './review-version.js';

const env = readServiceEnv();
const dispatcher = createUpstreamDispatcher();
const handler = createReviewsHandler({
  version: parseReviewsVersion(env.version),
  ratingsUrl: upstreamUrl('ratings'),
  dispatcher,
  ratingsTimeoutMs: upstreamTimeoutMs(RATINGS_TIMEOUT_MS),
  podname: process.env.POD_NAME || process.env.HOSTNAME || hostname(),
  clustername: process.env.CLUSTER_NAME || 'local',
  debug: env.debug ? (line) => debugLog('reviews', line) : undefined,
});
const service = await startService('reviews', env, handler);
stopOnSignals(service, () => dispatcher.close());
