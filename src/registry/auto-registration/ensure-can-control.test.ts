import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../api/resource.js';
import { isPlexusError } from '../../api/errors.js';
import { ensureProxyCanControlEntry, type VerifiedWorkloadIdentity } from './ensure-can-control.js';

const entry = (namespace: string, serviceAccount?: string): Resource => ({
  apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'vm-1', namespace }, spec: { address: '198.18.100.1', ...(serviceAccount ? { serviceAccount } : {}) },
});

describe('ensureProxyCanControlEntry', () => {
  const cases: Array<[string, VerifiedWorkloadIdentity | undefined, Resource, RegExp | undefined]> = [
    ['same namespace and service account', { namespace: 'ns1', serviceAccount: 'vm' }, entry('ns1', 'vm'), undefined],
    ['entry without a service account', { namespace: 'ns1', serviceAccount: 'any' }, entry('ns1'), undefined],
    ['no verified identity (plaintext)', undefined, entry('ns1', 'vm'), /requires a verified identity/],
    ['another namespace', { namespace: 'ns2', serviceAccount: 'vm' }, entry('ns1', 'vm'), /namespace mismatch/],
    ['another service account', { namespace: 'ns1', serviceAccount: 'intruder' }, entry('ns1', 'vm'), /service account mismatch.*"intruder".*"vm"/],
  ];
  for (const [name, identity, e, refused] of cases) {
    it(name, () => {
      if (!refused) return assert.doesNotThrow(() => ensureProxyCanControlEntry(identity, e));
      assert.throws(() => ensureProxyCanControlEntry(identity, e), (err: unknown) => isPlexusError(err, 'PLEXUS_ERR_REGISTRATION_REFUSED') && refused.test((err as Error).message));
    });
  }
});
