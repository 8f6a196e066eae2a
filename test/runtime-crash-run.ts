// A "plexus run" that gets killed: builds two pods with capture rules and egress, prints
// READY and waits to be killed (test/runtime-pods.test.ts cleans up after it).
import { installCapture } from '../src/runtime/iptables-capture.js';
import { PodNetwork } from '../src/runtime/pod-network.js';

const [stateDir = '', prefix = ''] = process.argv.slice(2);
const network = new PodNetwork({ stateDir, prefix, podCidr: '198.18.40.0/24', egress: true });
const app = await network.createPod({ namespace: 'default', name: 'app' });
await network.createPod({ namespace: 'default', name: 'db' });
await installCapture(app.netns);
process.stdout.write('READY\n');
setInterval(() => undefined, 1000);
