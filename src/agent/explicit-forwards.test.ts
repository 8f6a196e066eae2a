import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeletEnvName, parseForwardFlag, planForwards, plexusForwardVar, type EnvService } from './explicit-forwards.js';

const services: EnvService[] = [
  { kind: 'Service', name: 'details', host: 'details.default.svc', aliases: ['details', 'details.default', 'details.default.svc'], ports: [{ name: 'http', port: 9080 }] },
  { kind: 'Service', name: 'tcp-echo', host: 'tcp-echo.default.svc', aliases: ['tcp-echo', 'tcp-echo.default', 'tcp-echo.default.svc'], ports: [{ name: 'tcp-main', port: 9000 }, { name: '', port: 9001 }] },
];

describe('explicit-mode port forwards (plexus run)', () => {
  it("names variables by kubelet's rule: upper case, '-' to '_' only", () => {
    assert.equal(kubeletEnvName('tcp-echo'), 'TCP_ECHO');
    assert.equal(kubeletEnvName('grpc-web'), 'GRPC_WEB');
    assert.equal(plexusForwardVar('api.example.com', 443), 'PLEXUS_FORWARD_API_EXAMPLE_COM_443');
  });

  it('exports the Kubernetes and Docker-link variables with loopback and the local ports', () => {
    let next = 41000;
    const plan = planForwards(services, [], () => next++);
    assert.deepEqual(plan.forwards, [
      { host: 'details.default.svc', port: 9080, local: 41000 },
      { host: 'tcp-echo.default.svc', port: 9000, local: 41001 },
      { host: 'tcp-echo.default.svc', port: 9001, local: 41002 },
    ]);
    assert.deepEqual(plan.env, {
      DETAILS_SERVICE_HOST: '127.0.0.1', DETAILS_SERVICE_PORT: '41000', DETAILS_SERVICE_PORT_HTTP: '41000',
      DETAILS_PORT: 'tcp://127.0.0.1:41000', DETAILS_PORT_9080_TCP: 'tcp://127.0.0.1:41000', DETAILS_PORT_9080_TCP_PROTO: 'tcp',
      DETAILS_PORT_9080_TCP_PORT: '41000', DETAILS_PORT_9080_TCP_ADDR: '127.0.0.1',
      TCP_ECHO_SERVICE_HOST: '127.0.0.1', TCP_ECHO_SERVICE_PORT: '41001', TCP_ECHO_SERVICE_PORT_TCP_MAIN: '41001',
      TCP_ECHO_PORT: 'tcp://127.0.0.1:41001',
      TCP_ECHO_PORT_9000_TCP: 'tcp://127.0.0.1:41001', TCP_ECHO_PORT_9000_TCP_PROTO: 'tcp', TCP_ECHO_PORT_9000_TCP_PORT: '41001', TCP_ECHO_PORT_9000_TCP_ADDR: '127.0.0.1',
      TCP_ECHO_PORT_9001_TCP: 'tcp://127.0.0.1:41002', TCP_ECHO_PORT_9001_TCP_PROTO: 'tcp', TCP_ECHO_PORT_9001_TCP_PORT: '41002', TCP_ECHO_PORT_9001_TCP_ADDR: '127.0.0.1',
      PLEXUS_FORWARD_DETAILS_9080: '127.0.0.1:41000', PLEXUS_FORWARD_TCP_ECHO_9000: '127.0.0.1:41001', PLEXUS_FORWARD_TCP_ECHO_9001: '127.0.0.1:41002',
    });
    assert.deepEqual(plan.collisions, []);
  });

  it('merges a --forward naming a forwarded service port, and adds the others', () => {
    let next = 42000;
    const requests = ['details.default.svc.cluster.local:9080=40999', 'reviews.other:9080', 'api.example.com:443=40998'].map(parseForwardFlag);
    const plan = planForwards(services, requests, () => next++);
    assert.equal(plan.env.DETAILS_SERVICE_PORT, '40999');
    assert.equal(plan.env.PLEXUS_FORWARD_DETAILS_9080, '127.0.0.1:40999');
    assert.equal(plan.env.PLEXUS_FORWARD_DETAILS_DEFAULT_SVC_CLUSTER_LOCAL_9080, '127.0.0.1:40999');
    assert.equal(plan.env.PLEXUS_FORWARD_REVIEWS_OTHER_9080, '127.0.0.1:42002');
    assert.equal(plan.env.PLEXUS_FORWARD_API_EXAMPLE_COM_443, '127.0.0.1:40998');
    assert.equal(plan.env.REVIEWS_SERVICE_HOST, undefined, 'only the namespace services get the Kubernetes names');
    assert.deepEqual(plan.forwards.map((f) => `${f.host}:${f.port}=${f.local}`), [
      'details.default.svc:9080=40999', 'tcp-echo.default.svc:9000=42000', 'tcp-echo.default.svc:9001=42001', 'reviews.other:9080=42002', 'api.example.com:443=40998',
    ]);
  });

  it("names a ServiceEntry's variables by its name, dots and dashes as '_'", () => {
    const entry: EnvService = { kind: 'ServiceEntry', name: 'ext.api-v2', host: 'api.example.com', aliases: ['api.example.com'], ports: [{ name: 'https', port: 443 }] };
    const plan = planForwards([entry], [], () => 43000);
    assert.equal(plan.env.EXT_API_V2_SERVICE_PORT_HTTPS, '43000');
    assert.equal(plan.env.PLEXUS_FORWARD_API_EXAMPLE_COM_443, '127.0.0.1:43000');
    assert.deepEqual(plan.forwards, [{ host: 'api.example.com', port: 443, local: 43000 }]);
  });

  it('refuses malformed flags and a local port used twice', () => {
    for (const bad of ['details', 'details:', ':80', 'details:80=', 'details:0', 'details:80=99999', '*.x:80']) assert.throws(() => parseForwardFlag(bad), /--forward takes/, bad);
    assert.throws(() => planForwards(services, ['a:1=40000', 'b:1=40000'].map(parseForwardFlag), () => 1), /twice/);
  });
});
