import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateResource } from '../../validate.js';
import { defaultMeshConfig, mergeMeshConfig } from './defaults.js';

describe('defaultMeshConfig', () => {
  it("carries Istio's defaults", () => {
    const m = defaultMeshConfig();
    assert.equal(m.rootNamespace, 'istio-system');
    assert.equal(m.trustDomain, 'cluster.local');
    assert.equal(m.enableAutoMtls, true);
    assert.deepEqual(m.outboundTrafficPolicy, { mode: 'ALLOW_ANY' });
    assert.equal(m.defaultConfig?.discoveryAddress, 'istiod.istio-system.svc:15012');
    assert.equal(m.ingressClass, 'istio');
  });

  it('passes its own validation without warnings', () => {
    const r = validateResource({ apiVersion: 'mesh.plexus.dev/v1alpha1', kind: 'MeshConfig', metadata: { name: 'mesh' }, spec: defaultMeshConfig() });
    assert.deepEqual(r.diagnostics, []);
  });

  it('returns a fresh object each time', () => {
    const a = defaultMeshConfig();
    a.defaultConfig!.proxyAdminPort = 1;
    assert.equal(defaultMeshConfig().defaultConfig?.proxyAdminPort, 15000);
  });
});

describe('mergeMeshConfig', () => {
  it('merges messages field by field and replaces scalars and lists', () => {
    const base = defaultMeshConfig();
    const merged = mergeMeshConfig(base, {
      trustDomain: 'example.org',
      defaultServiceExportTo: ['.'],
      defaultConfig: { discoveryAddress: 'plexus.local:15012', proxyMetadata: { A: 'b' } },
    });
    assert.equal(merged.trustDomain, 'example.org');
    assert.deepEqual(merged.defaultServiceExportTo, ['.']);
    assert.equal(merged.defaultConfig?.discoveryAddress, 'plexus.local:15012');
    assert.equal(merged.defaultConfig?.statusPort, 15020, 'defaults the overlay did not touch survive');
    assert.deepEqual(merged.defaultConfig?.proxyMetadata, { A: 'b' });
    assert.equal(base.trustDomain, 'cluster.local', 'the base is not modified');
  });

  it('treats null as unset and merges extension providers by name', () => {
    const merged = mergeMeshConfig(defaultMeshConfig(), {
      rootNamespace: null as unknown as string,
      extensionProviders: [
        { name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } },
        { name: 'otel', opentelemetry: { service: 'otel.observability.svc.cluster.local', port: 4317 } },
      ],
    });
    assert.equal(merged.rootNamespace, 'istio-system');
    const names = merged.extensionProviders?.map((p) => p.name);
    assert.deepEqual(names, ['prometheus', 'stackdriver', 'envoy', 'otel']);
    assert.deepEqual(merged.extensionProviders?.[2], { name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } });
  });
});
