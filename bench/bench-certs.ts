/** Certificates for the benchmark's mTLS hop, made with openssl in a temporary directory. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files (and their contents) of a root and two SPIFFE leaves. */
export interface BenchCerts {
  readonly dir: string;
  readonly rootPem: string;
  readonly rootFile: string;
  readonly client: { readonly certPem: string; readonly keyPem: string; readonly bundleFile: string; readonly spiffeId: string };
  readonly server: { readonly certPem: string; readonly keyPem: string; readonly bundleFile: string; readonly spiffeId: string };
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a P-256 root and a leaf per side carrying a SPIFFE URI SAN, as a mesh CA would. */
export function makeBenchCerts(dir: string): BenchCerts {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-days', '2', '-subj', '/O=plexus-bench/CN=root', '-out', 'root.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, spiffeId: string) => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec.key`], dir);
    // PKCS#8, which both Node and HAProxy read.
    openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec.key`, '-out', `${name}.key`], dir);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/O=plexus-bench`, '-out', `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=URI:${spiffeId}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
    const certPem = readFileSync(join(dir, `${name}.pem`), 'utf8');
    const keyPem = readFileSync(join(dir, `${name}.key`), 'utf8');
    const bundleFile = join(dir, `${name}.bundle.pem`);
    writeFileSync(bundleFile, certPem + keyPem);
    return { certPem, keyPem, bundleFile, spiffeId };
  };
  const client = leaf('client', 'spiffe://cluster.local/ns/bench/sa/client');
  const server = leaf('server', 'spiffe://cluster.local/ns/bench/sa/server');
  return { dir, rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'), rootFile: join(dir, 'root.pem'), client, server };
}
