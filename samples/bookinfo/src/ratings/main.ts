/**
 * The ratings service: `node dist/samples/bookinfo/src/ratings/main.js`.
 * Env: PORT, HOST, SERVICE_VERSION, DEBUG (see samples/bookinfo/README.md).
 */
import { readServiceEnv } from '../shared/service-env.js';
import { startService, stopOnSignals } from '../shared/start-service.js';
import { createRatingsHandler } from './ratings-app.js';

const env = readServiceEnv();
const service = await startService('ratings', env, createRatingsHandler({ version: env.version }));
stopOnSignals(service);
