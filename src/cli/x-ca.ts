import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import { splitPemCertificates } from '../ca/pem.js';
import { CACERTS_FILES } from '../ca/plugged-ca.js';
import type { CliIO, Command } from './command.js';
import { parseDuration } from '../xds/duration.js';
import { AdminClient } from './admin-client.js';
import { resolveHome } from './home.js';

const usage = `Usage: plexus x ca root [--home DIR | --cacerts DIR]
       plexus x ca inspect FILE
       plexus x ca token -n NAMESPACE --sa SERVICE_ACCOUNT [--ttl DURATION] [--home DIR] [-o json]

Experimental commands for the mesh CA.

  root     prints the mesh trust bundle (PEM): the roots a workload trusts, from the
           controller's state in HOME/ca, or root-cert.pem of a plugged-in cacerts DIR
  inspect  prints what each certificate in a PEM file holds: subject, issuer, validity,
           SPIFFE identity, key, usages and SHA-256 fingerprint
  token    asks the running controller (admin API) for a workload bootstrap token bound to
           NAMESPACE/SERVICE_ACCOUNT (default lifetime 1h) and prints it; an agent presents it
           to the CA (CreateCertificate) to get its first certificate`;

const authzUsage = `       plexus x authz check PROXY | --offline -f DIR --workload NS/NAME [-o table|json]
  check    lists the AuthorizationPolicies that apply to a proxy (ACTION, NAME.NAMESPACE, RULES),
           read from its RBAC filters as istioctl x authz check; plexus x authz check --help`;

const OID_NAMES: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };

function describeKey(cert: X509Certificate): string {
  const k = cert.publicKey;
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') return `EC ${d.namedCurve ?? '?'}`;
  if (k.asymmetricKeyType === 'rsa') return `RSA ${d.modulusLength ?? '?'}`;
  return k.asymmetricKeyType ?? '?';
}

/** One block of `inspect` output per certificate. */
export function describeCertificate(cert: X509Certificate, now = Date.now()): string {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const state = now < from ? 'not yet valid' : now >= to ? 'EXPIRED' : `valid, ${Math.round((to - now) / 3600_000)} h left`;
  const oneLine = (name: string | undefined): string => (name ?? '').split('\n').filter(Boolean).join(', ') || '(empty)';
  const lines = [
    `Subject:     ${oneLine(cert.subject)}`,
    `Issuer:      ${oneLine(cert.issuer)}`,
    `Serial:      ${cert.serialNumber}`,
    `Validity:    ${new Date(from).toISOString()} .. ${new Date(to).toISOString()} (${state})`,
    `SANs:        ${cert.subjectAltName ?? '(none)'}`,
    `Key:         ${describeKey(cert)}`,
    `CA:          ${cert.ca ? 'yes' : 'no'}`,
  ];
  if (cert.keyUsage?.length) lines.push(`Ext. usage:  ${cert.keyUsage.map((o) => OID_NAMES[o] ?? o).join(', ')}`);
  lines.push(`SHA-256:     ${createHash('sha256').update(cert.raw).digest('hex').replace(/(..)(?!$)/g, '$1:')}`);
  return lines.join('\n');
}

function readOrThrow(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function root(args: string[], io: CliIO): number {
  const { values } = parseArgs({ args, options: { home: { type: 'string' }, cacerts: { type: 'string' } } });
  if (values.cacerts) {
    io.stdout(readOrThrow(join(values.cacerts, CACERTS_FILES.root)));
    return 0;
  }
  const path = join(resolveHome(values.home, io.env), 'ca', 'root-cert.pem');
  if (!existsSync(path)) throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `no CA root in ${path}; start \`plexus controller\` once to create it, or pass --cacerts DIR`);
  io.stdout(readOrThrow(path));
  return 0;
}

function inspect(args: string[], io: CliIO): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new PlexusError('PLEXUS_ERR_USAGE', 'inspect needs exactly one FILE');
  const pems = splitPemCertificates(readOrThrow(positionals[0]));
  if (pems.length === 0) throw new PlexusError('PLEXUS_ERR_PARSE', `${positionals[0]} holds no PEM certificate`);
  io.stdout(`${pems.map((p, i) => `Certificate ${i + 1} of ${pems.length}\n${describeCertificate(new X509Certificate(p))}`).join('\n\n')}\n`);
  return 0;
}

async function token(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { home: { type: 'string' }, namespace: { type: 'string', short: 'n' }, sa: { type: 'string' }, 'service-account': { type: 'string' }, ttl: { type: 'string' }, output: { type: 'string', short: 'o' } } });
  const namespace = values.namespace;
  const serviceAccount = values.sa ?? values['service-account'];
  if (!namespace || !serviceAccount) throw new PlexusError('PLEXUS_ERR_USAGE', 'token needs -n NAMESPACE and --sa SERVICE_ACCOUNT');
  let ttl: number | undefined;
  if (values.ttl !== undefined) {
    const d = parseDuration(values.ttl);
    if (!d || d.seconds < 1) throw new PlexusError('PLEXUS_ERR_USAGE', `--ttl must be a duration such as 1h or 30m, not ${JSON.stringify(values.ttl)}`);
    ttl = d.seconds;
  }
  if (values.output !== undefined && values.output !== 'json') throw new PlexusError('PLEXUS_ERR_USAGE', `-o must be json, not ${JSON.stringify(values.output)}`);
  const minted = await AdminClient.connect(resolveHome(values.home, io.env)).mintToken({ namespace, serviceAccount, ttl });
  io.stdout(values.output === 'json' ? `${JSON.stringify(minted, null, 2)}\n` : `${minted.token}\n`);
  return 0;
}

/** `plexus x …`: experimental commands: `x ca root`, `x ca inspect`, `x ca token`, `x authz check`. */
export const xCommand: Command = {
  name: 'x',
  summary: 'Experimental commands (x ca root, x ca inspect, x ca token, x authz check)',
  usage: `${usage}\n\n${authzUsage}`,
  async run(args, io) {
    const [group, sub, ...rest] = args;
    if (group === 'authz') {
      if (sub !== 'check') throw new PlexusError('PLEXUS_ERR_USAGE', `unknown command "x authz ${sub ?? ''}"; use check`);
      return (await import('./x-authz-check.js')).authzCheck(rest, io);
    }
    if (group !== 'ca') throw new PlexusError('PLEXUS_ERR_USAGE', `unknown experimental command ${JSON.stringify(group ?? '')}; try: plexus x ca root`);
    if (sub === 'root') return root(rest, io);
    if (sub === 'inspect') return inspect(rest, io);
    if (sub === 'token') return token(rest, io);
    throw new PlexusError('PLEXUS_ERR_USAGE', `unknown command "x ca ${sub ?? ''}"; use root, inspect or token`);
  },
};
