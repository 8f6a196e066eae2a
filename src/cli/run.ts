import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { PlexusError } from '../api/errors.js';
import { captureSupport } from '../agent/capture-support.js';
import { runPodWorkload } from '../agent/pod-workload.js';
import { runExplicitWorkload } from '../agent/explicit-workload.js';
import { parseForwardFlag } from '../agent/explicit-forwards.js';
import { AdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { resolveHome } from './home.js';
import { plexusArgv } from './self-command.js';

const usage = `Usage: plexus run [-n NS] --name NAME [--service-account SA] [--labels k=v,...] [--port P,...]
                  [--capture auto|iptables|none] [--forward HOST:PORT[=LOCALPORT]]...
                  [--app-uid UID] [--home DIR] -- COMMAND [ARG...]

Runs COMMAND as a mesh workload with its own sidecar, until it exits: registers a
WorkloadEntry (labels, service account, address), gets a bootstrap token from the controller
(\`plexus up\` first), starts the sidecar (\`plexus proxy\`, which obtains the workload
certificate and serves mesh DNS names), waits until it is ready, then starts COMMAND.
Signals go to COMMAND; when it exits the sidecar drains and everything is removed, and
plexus run exits with COMMAND's status.

  --capture auto       pods when possible (Linux, root, iptables, the SO_ORIGINAL_DST addon)
  --capture iptables   a network namespace per workload with Istio's iptables capture, the
                       sidecar as uid 1337, COMMAND as --app-uid (default 1000)
  --capture none       explicit mode: no namespace; COMMAND gets HTTP_PROXY pointing at its
                       sidecar, a loopback port forward per service port of its namespace
                       (DETAILS_SERVICE_HOST=127.0.0.1, DETAILS_SERVICE_PORT=<local>, …, as
                       kubelet names them, and PLEXUS_FORWARD_DETAILS_9080=127.0.0.1:<local>),
                       and serves on an allocated port (see docs/local-mesh.md)
  --forward H:P[=L]    explicit mode: also forward 127.0.0.1:L (allocated when absent) to the
                       service H:P, e.g. reviews.other:9080 or a ServiceEntry host; exported as
                       PLEXUS_FORWARD_<H>_<P>; repeatable, or comma-separated
  --port P,...         ports COMMAND serves (the Services' target ports); in explicit mode each
                       gets a free loopback port for COMMAND, in PORT (the first) and
                       PLEXUS_PORT_<P>, and another registered as the WorkloadEntry's port
The default of --capture comes from PLEXUS_CAPTURE when set.`;

function keyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new PlexusError('PLEXUS_ERR_USAGE', `--labels takes k=v pairs, not ${JSON.stringify(part)}`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a command as a mesh workload with its own sidecar',
  usage,
  async run(args, io) {
    const dash = args.indexOf('--');
    const flags = dash < 0 ? args : args.slice(0, dash);
    const command = dash < 0 ? [] : args.slice(dash + 1);
    const { values } = parseArgs({
      args: flags,
      options: {
        namespace: { type: 'string', short: 'n', default: 'default' },
        name: { type: 'string' },
        'service-account': { type: 'string' },
        labels: { type: 'string' },
        port: { type: 'string' },
        capture: { type: 'string' },
        forward: { type: 'string', multiple: true },
        'app-uid': { type: 'string' },
        home: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
      allowPositionals: false,
    });
    if (!values.name) throw new PlexusError('PLEXUS_ERR_USAGE', 'plexus run needs --name');
    if (command.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'plexus run needs a command after --');
    const ports = (values.port ?? '').split(',').map((p) => p.trim()).filter(Boolean).map(Number);
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new PlexusError('PLEXUS_ERR_USAGE', `--port takes port numbers, not ${JSON.stringify(values.port)}`);
    const capture = values.capture ?? io.env.PLEXUS_CAPTURE ?? 'auto';
    if (!['auto', 'iptables', 'none'].includes(capture)) throw new PlexusError('PLEXUS_ERR_USAGE', '--capture must be auto, iptables or none');
    const support = captureSupport();
    if (capture === 'iptables' && !support.pods) throw new PlexusError('PLEXUS_ERR_CAPTURE_UNAVAILABLE', `--capture iptables is not possible here: ${support.reason}`);
    const pods = capture === 'iptables' || (capture === 'auto' && support.pods);
    const forwards = (values.forward ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean).map(parseForwardFlag);
    const home = resolveHome(values.home, io.env);
    const admin = AdminClient.connect(home);
    const xdsPort = admin.info.ports.xds;
    if (!xdsPort) throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `the controller of ${home} publishes no xDS port`);
    const appUid = values['app-uid'] === undefined ? 1000 : Number(values['app-uid']);
    const labels = keyValues(values.labels);
    if (!labels.app) labels.app = values.name;
    const logger = pino({ name: 'plexus-run', level: values['log-level'] ?? 'info' }, { write: (line: string) => io.stderr(line) });
    const spec = {
      home, namespace: values.namespace ?? 'default', name: values.name, serviceAccount: values['service-account'] ?? 'default',
      labels, ports, command, appUid, appGid: appUid, plexusArgv, logger,
    };
    // A pod reaches services by name through its capture; forwards are explicit mode's substitute.
    if (pods && forwards.length > 0) logger.warn('--forward applies to explicit mode (--capture none) only; ignored in a pod');
    // Sidecars speak xDS on 15012 when the controller opened it (it has a CA).
    const xdsTlsPort = admin.info.ports['xds-tls'];
    return pods ? runPodWorkload(spec, { admin, xdsPort, xdsTlsPort }) : runExplicitWorkload({ ...spec, forwards }, { admin, xdsPort, xdsTlsPort });
  },
};
