import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { PlexusError } from '../api/errors.js';
import { childExit, exitStatus, stopPid } from '../agent/child-process-wait.js';
import { sidecarXdsFlags, writeMeshRootFile } from '../agent/sidecar-xds-flags.js';
import { removeWorkloadRecord, writeWorkloadRecord, type WorkloadRecord } from '../agent/workload-record.js';
import { AdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { resolveHome } from './home.js';
import { plexusArgv } from './self-command.js';

const usage = `Usage: plexus gateway run --name NAME [-n NS] --port HOST:GATEWAY[,...] [--labels k=v,...]
                          [--service-account SA] [--home DIR]

Runs an ingress gateway in the foreground: \`plexus proxy\` in router mode on the host network,
labelled istio=NAME (so \`selector: {istio: ingressgateway}\` in a Gateway picks it), in
namespace istio-system by default, with a workload certificate for mTLS to the sidecars.
--port 8080:80 serves the Gateway's port 80 servers on 127.0.0.1:8080.`;

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'Run an ingress gateway (plexus gateway run)',
  usage,
  async run(args, io) {
    if (args[0] !== 'run') throw new PlexusError('PLEXUS_ERR_USAGE', 'usage: plexus gateway run --name NAME --port HOST:GATEWAY');
    const { values } = parseArgs({
      args: args.slice(1),
      options: {
        name: { type: 'string' }, namespace: { type: 'string', short: 'n', default: 'istio-system' }, port: { type: 'string' },
        labels: { type: 'string' }, 'service-account': { type: 'string' }, home: { type: 'string' }, 'log-level': { type: 'string', default: 'info' },
      },
      allowPositionals: false,
    });
    const name = values.name;
    if (!name) throw new PlexusError('PLEXUS_ERR_USAGE', 'plexus gateway run needs --name');
    const namespace = values.namespace ?? 'istio-system';
    const pairs = (values.port ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':').map(Number));
    if (pairs.length === 0 || pairs.some((p) => p.length !== 2 || p.some((n) => !Number.isInteger(n) || n < 1 || n > 65535))) {
      throw new PlexusError('PLEXUS_ERR_USAGE', '--port takes HOST:GATEWAY pairs such as 8080:80');
    }
    const labels = values.labels ?? `istio=${name},app=istio-${name}`;
    const serviceAccount = values['service-account'] ?? `istio-${name}`;
    const home = resolveHome(values.home, io.env);
    const admin = AdminClient.connect(home);
    const xdsPort = admin.info.ports.xds;
    if (!xdsPort) throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `the controller of ${home} publishes no xDS port`);
    const { token } = await admin.mintToken({ namespace, serviceAccount, ttl: 24 * 3600 });
    const tokenDir = join(home, 'runtime', 'tokens');
    mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
    const tokenFile = join(tokenDir, `gateway.${namespace}.${name}.token`);
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const rootFile = writeMeshRootFile(home, join(tokenDir, `gateway.${namespace}.${name}.root-cert.pem`));
    const log = pino({ name: 'plexus-gateway', level: values['log-level'] ?? 'info' }, { write: (line: string) => io.stderr(line) });
    const [file, ...argv] = plexusArgv([
      'proxy', '--type', 'router', ...sidecarXdsFlags({ host: '127.0.0.1', xdsPort, xdsTlsPort: admin.info.ports['xds-tls'], rootFile }, log), '--token-file', tokenFile,
      '--namespace', namespace, '--service-account', serviceAccount, '--workload-name', name, '--pod-name', name, '--labels', labels,
      '--bind-host', '127.0.0.1', '--port-map', pairs.map(([h, g]) => `${g}=${h}`).join(','), '--readiness-port=-1', '--capture', 'off', '--admin-port=-1', '--stats-port=-1', '--status-port=-1',
      '--log-level', values['log-level'] ?? 'info',
    ]);
    const proxy = spawn(file!, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    const record: WorkloadRecord = {
      kind: 'gateway', namespace, name, mode: 'explicit', pid: process.pid, proxyPid: proxy.pid, address: '127.0.0.1', serviceAccount,
      ports: pairs.map(([h]) => h!), startedAt: new Date().toISOString(),
    };
    writeWorkloadRecord(home, record);
    const forward = (sig: NodeJS.Signals): void => void proxy.kill(sig);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
    try {
      return exitStatus(await childExit(proxy));
    } finally {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, forward);
      if (proxy.pid) await stopPid(proxy.pid, 2000);
      rmSync(tokenFile, { force: true });
      if (rootFile) rmSync(rootFile, { force: true });
      removeWorkloadRecord(home, record);
    }
  },
};
