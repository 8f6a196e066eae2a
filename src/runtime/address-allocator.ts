import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import { cidrHost, formatCidr, parseIpv4, type Ipv4Cidr } from './ipv4-cidr.js';

/**
 * Hands out pod addresses. Each claim is a file named after the address, created with
 * O_EXCL: that makes claims atomic across concurrent `plexus run` processes and keeps them
 * across restarts without any lock or daemon. The file holds the owner (the pod's netns).
 */
export class AddressAllocator {
  constructor(
    private readonly dir: string,
    private readonly cidr: Ipv4Cidr,
    /** Addresses never handed out (the gateway). */
    private readonly reserved: readonly string[],
  ) {}

  /**
   * Claims an address for `owner`. An owner that already holds one gets the same address
   * again, so re-creating a pod after a restart keeps its IP.
   */
  async claim(owner: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const existing = await this.addressOf(owner);
    if (existing) return existing;
    const taken = new Set(await this.claimedAddresses());
    // Skip the network address (offset 0) and the broadcast address (last).
    for (let offset = 1; offset < this.cidr.size - 1; offset++) {
      const address = cidrHost(this.cidr, offset);
      if (taken.has(address) || this.reserved.includes(address)) continue;
      try {
        await writeFile(join(this.dir, address), `${owner}\n`, { flag: 'wx' });
        return address;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process won the race
        throw err;
      }
    }
    throw new PlexusError('PLEXUS_ERR_HOST_NETWORK', `no free address left in the pod network ${formatCidr(this.cidr)}`);
  }

  /** Releases every address `owner` holds (normally one). */
  async release(owner: string): Promise<void> {
    await releaseAddressClaims(this.dir, owner);
  }

  /** The address `owner` holds, if any. */
  async addressOf(owner: string): Promise<string | undefined> {
    for (const [address, who] of await this.claims()) if (who === owner) return address;
    return undefined;
  }

  /** Every claim as [address, owner]. */
  claims(): Promise<Array<[string, string]>> {
    return readAddressClaims(this.dir);
  }

  private async claimedAddresses(): Promise<string[]> {
    return (await readAddressClaims(this.dir)).map(([address]) => address);
  }
}

/** Every claim in a claims directory as [address, owner]. */
export async function readAddressClaims(dir: string): Promise<Array<[string, string]>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Array<[string, string]> = [];
  for (const address of names.filter((name) => parseIpv4(name) !== undefined)) {
    try {
      out.push([address, (await readFile(join(dir, address), 'utf8')).trim()]);
    } catch {
      // released concurrently
    }
  }
  return out;
}

/** Deletes the claims `owner` holds in a claims directory. */
export async function releaseAddressClaims(dir: string, owner: string): Promise<void> {
  for (const [address, who] of await readAddressClaims(dir)) {
    if (who === owner) await rm(join(dir, address), { force: true });
  }
}
