// Shared pieces of the identity tests: a `plexus controller` child with its CA, tokens minted
// through the CLI, CSRs through the agent's client, openssl verification, a TLS ADS client.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { requestCertificate, type CaEndpoint } from '../src/agent/ca-client.js';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { adsServiceDefinition, type ProtoObject } from '../src/xds/protos.js';
import { openssl } from './ca-support.js';
import { AdsTestStream } from './support/ads-test-client.js';
import { ControllerProcess, plexus } from './support/controller-process.js';
import type { CallResult } from './support/xds-client-protocol.js';

/** A controller on a temp home with every port on loopback and chosen by the kernel, 15012 included. */
export function startIdentityController(home: string, extra: string[] = []): Promise<ControllerProcess> {
  return ControllerProcess.start(home, ['--xds-tls-port', '0', '--xds-address', '127.0.0.1', '--log-level', 'info', ...extra]);
}

/** `plexus x ca token -n NS --sa SA --home HOME`: a bootstrap token from the running controller. */
export async function mintToken(home: string, namespace: string, serviceAccount: string): Promise<string> {
  const run = await plexus(['x', 'ca', 'token', '--home', home, '-n', namespace, '--sa', serviceAccount]);
  if (run.code !== 0) throw new Error(`plexus x ca token failed (${run.code}): ${run.stderr}`);
  return run.stdout.trim();
}

/** A workload certificate as the CA returned it, with the key made here. */
export interface IssuedCertificate {
  chain: string[];
  keyPem: string;
  /** Leaf and intermediates (what a workload presents). */
  certChainPem: string;
  /** The trust bundle: the chain's last element. */
  rootsPem: string;
}

/** One CreateCertificate call with a fresh key; token or client certificate as given. */
export async function issue(endpoint: CaEndpoint, auth: { token?: string; clientCertificate?: { certChainPem: string; keyPem: string } }): Promise<IssuedCertificate> {
  const { keyPem, csrPem } = await createKeyAndCsr('ec-p256');
  const chain = await requestCertificate(endpoint, { csrPem, validitySeconds: 0, timeoutMs: 10_000, ...auth });
  return { chain, keyPem, certChainPem: chain.slice(0, -1).join(''), rootsPem: chain[chain.length - 1]! };
}

/** `openssl verify -CAfile roots -untrusted intermediates leaf`: status and output. */
export function opensslVerify(dir: string, rootsPem: string, leafPem: string, intermediatesPem = ''): { status: number; out: string } {
  writeFileSync(join(dir, 'verify-roots.pem'), rootsPem);
  writeFileSync(join(dir, 'verify-leaf.pem'), leafPem);
  const args = ['verify', '-CAfile', join(dir, 'verify-roots.pem')];
  if (intermediatesPem) {
    writeFileSync(join(dir, 'verify-intermediates.pem'), intermediatesPem);
    args.push('-untrusted', join(dir, 'verify-intermediates.pem'));
  }
  const r = openssl([...args, join(dir, 'verify-leaf.pem')]);
  return { status: r.status, out: r.stdout + r.stderr };
}

/** An ADS stream over TLS (15012), with the status it ended with once it ends. */
export class TlsAdsStream extends AdsTestStream {
  error: ServiceError | undefined;

  constructor(stream: ClientDuplexStream<ProtoObject, ProtoObject>) {
    super(stream);
    stream.on('error', (e: ServiceError) => { this.error = e; });
  }

  /** Resolves with the error the stream ended with (or undefined if it ended cleanly) within `ms`. */
  async endedWith(ms = 5000): Promise<ServiceError | undefined> {
    const end = Date.now() + ms;
    while (!this.error && !this.ended) {
      if (Date.now() > end) throw new Error(`the stream did not end within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.error;
  }
}

/** An ADS client on 127.0.0.1:port over TLS, verifying the controller against `rootsPem`, presenting `client` when given. */
export class TlsAdsClient {
  private readonly client: Client & Record<string, () => ClientDuplexStream<ProtoObject, ProtoObject>>;

  constructor(port: number, rootsPem: string, client?: { certChainPem: string; keyPem: string }) {
    const Ctor = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    const creds = credentials.createSsl(Buffer.from(rootsPem), client ? Buffer.from(client.keyPem) : null, client ? Buffer.from(client.certChainPem) : null);
    // Verify the controller by its DNS SAN (an IP as TLS server name is deprecated in Node).
    this.client = new Ctor(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' }) as never;
  }

  sotw(): TlsAdsStream {
    return new TlsAdsStream(this.client.StreamAggregatedResources!());
  }

  close(): void {
    this.client.close();
  }
}

/** A proxyless gRPC client with xDS security (XdsChannelCredentials) in a child process. */
export class SecureXdsClientProcess {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, (r: CallResult[]) => void>();

  constructor(target: string, bootstrap: unknown) {
    this.child = fork(new URL('./identity-grpc-client-child.js', import.meta.url), [], {
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), PLEXUS_TEST_TARGET: target },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; results: CallResult[] }) => {
      this.pending.get(m.id)?.(m.results);
      this.pending.delete(m.id);
    });
  }

  /** Makes `n` calls (20 at a time) and resolves to their outcomes. */
  calls(n: number): Promise<CallResult[]> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${n} calls did not finish in 30 s`)), 30_000);
      this.pending.set(id, (r) => { clearTimeout(timer); resolve(r); });
      this.child.send({ id, n });
    });
  }

  /** Kills the child and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
