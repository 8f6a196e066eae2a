import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_SNAPSHOT } from '../config/snapshot-holder.js';
import { buildConfigDump, filterDumpByName, selectDumpResource } from './config-dump.js';
import { REDACTED_BYTES } from './snapshot-json.js';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

describe('config dump', () => {
  const resources = {
    [CLUSTER_TYPE]: { version: '3', resources: ['a', 'b'].map((name) => ({ name, version: '3', lastUpdated: 't', resource: { '@type': CLUSTER_TYPE, name } })) },
    [SECRET_TYPE]: { version: '1', resources: [{ name: 'cred', version: '1', lastUpdated: 't', resource: { '@type': SECRET_TYPE, name: 'cred', tls_certificate: { private_key: { inline_bytes: 'S0VZ' }, password: { inline_string: 'pw' } } } }] },
  };

  it('redacts private keys and passwords of xDS secrets without touching the original', () => {
    const dump = buildConfigDump({ snapshot: EMPTY_SNAPSHOT, resources, startedAt: 't' });
    const secrets = dump.configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump')) as { dynamic_active_secrets: { secret: { tls_certificate: Record<string, unknown> } }[] };
    assert.deepEqual(secrets.dynamic_active_secrets[0].secret.tls_certificate, { private_key: { inline_bytes: REDACTED_BYTES }, password: { inline_bytes: REDACTED_BYTES } });
    assert.deepEqual(resources[SECRET_TYPE].resources[0].resource.tls_certificate.private_key, { inline_bytes: 'S0VZ' });
  });

  it('selects one field as typed items and filters by name', () => {
    const dump = buildConfigDump({ snapshot: EMPTY_SNAPSHOT, resources, startedAt: 't' });
    const sel = selectDumpResource(dump, 'dynamic_active_clusters', /^b$/)!;
    assert.deepEqual(sel.configs.map((c) => [c['@type'], (c.cluster as { name: string }).name]), [['type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster', 'b']]);
    assert.equal(selectDumpResource(dump, 'bogus'), undefined);
    const filtered = filterDumpByName(dump, /^a$/);
    const clusters = filtered.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump')) as { dynamic_active_clusters: unknown[]; version_info: string };
    assert.equal(clusters.dynamic_active_clusters.length, 1);
    assert.equal(clusters.version_info, '3');
  });
});
