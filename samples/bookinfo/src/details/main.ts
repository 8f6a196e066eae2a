/**
 * The details service: `node dist/samples/bookinfo/src/details/main.js`.
 * Env: PORT, HOST, SERVICE_VERSION, DEBUG (see samples/bookinfo/README.md).
 */
import { readServiceEnv } from '../shared/service-env.js';
import { startService, stopOnSignals } from '../shared/start-service.js';
import { createDetailsHandler } from './details-app.js';

const env = readServiceEnv();
const service = await startService('details', env, createDetailsHandler({ version: env.version }));
stopOnSignals(service);
