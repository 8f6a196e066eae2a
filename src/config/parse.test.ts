import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocuments, parentPath } from './parse.js';
import { loadText } from './load.js';

describe('parseDocuments', () => {
  const text = [
    '# leading comment',
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: a',
    'spec:',
    '  hosts:',
    '  - a',
    '  http:',
    '  - route:',
    '    - destination:',
    '        host: a',
    '      weight: 10',
    '---',
    '---',
    '{"apiVersion": "v1", "kind": "Namespace",',
    ' "metadata": {"name": "x"}}',
  ].join('\n');

  it('splits documents, drops empty ones and keeps the line of every field path', () => {
    const { documents, problems } = parseDocuments(text, 'f.yaml');
    assert.deepEqual(problems, []);
    assert.equal(documents.length, 2);
    const [vs, ns] = documents;
    assert.equal(vs.source.line, 2);
    assert.equal(vs.source.lineOf('spec.hosts[0]'), 8);
    assert.equal(vs.source.lineOf('spec.http[0].route[0].weight'), 13);
    assert.equal(vs.source.lineOf('spec.http[0].route[0].destination.host'), 12);
    // Unknown paths fall back to the nearest ancestor that exists.
    assert.equal(vs.source.lineOf('spec.http[0].route[0].destination.subset'), 11);
    assert.equal(ns.source.line, 16);
    assert.equal(ns.source.lineOf('metadata.name'), 17);
  });

  it('reports syntax errors with a line and keeps the good documents', () => {
    const { documents, problems } = parseDocuments('a: 1\n---\nb: [1,\n---\nc: 3\n', 'bad.yaml');
    assert.equal(documents.length, 2);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, 'bad.yaml');
    assert.ok(problems[0].line >= 3);
  });

  it('reports duplicate keys', () => {
    const { problems } = parseDocuments('a: 1\na: 2\n', 'dup.yaml');
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /unique/i);
  });

  it('unwraps kind: List and keeps item lines', () => {
    const { documents } = parseDocuments('apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  apiVersion: v1\n  metadata:\n    name: a\n', 'l.yaml');
    assert.equal(documents.length, 1);
    assert.equal(documents[0].source.lineOf('metadata.name'), 7);
  });

  it('computes parent paths', () => {
    assert.equal(parentPath('a.b[2].c'), 'a.b[2]');
    assert.equal(parentPath('a.b[2]'), 'a.b');
    assert.equal(parentPath('a["x.y"]'), 'a');
    assert.equal(parentPath('a'), '');
  });
});

describe('MeshConfig sources', () => {
  it('turns a bare MeshConfig document into the MeshConfig pseudo-kind', () => {
    const { resources } = loadText('rootNamespace: plexus-system\ntrustDomain: example.org\n', 'mesh.yaml');
    assert.equal(resources.length, 1);
    assert.equal(resources[0].resource.kind, 'MeshConfig');
    assert.deepEqual(resources[0].resource.spec, { rootNamespace: 'plexus-system', trustDomain: 'example.org' });
    assert.equal(resources[0].source?.lineOf('spec.trustDomain'), 2);
  });

  it('reads the mesh key of the istio ConfigMap, with lines inside the block', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    rootNamespace: istio-system\n    trustDomain: corp.example\n';
    const { resources } = loadText(text, 'cm.yaml');
    assert.equal(resources.length, 2);
    const mesh = resources[1];
    assert.equal(mesh.resource.kind, 'MeshConfig');
    assert.equal((mesh.resource.spec as Record<string, unknown>).trustDomain, 'corp.example');
    assert.equal(mesh.source?.lineOf('spec.trustDomain'), 9);
  });
});
