import { Server, ServerCredentials, makeGenericClientConstructor, status, type ServiceDefinition, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';

/** Request and reply of the test service: JSON on the wire, no proto file needed. */
export interface EchoRequest { caller: string }
export interface EchoReply { server: string }

const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): never => JSON.parse(b.toString('utf8')) as never,
};

/** `plexus.test.Echo/Who`: answers with the name of the server that took the call. */
export const ECHO_SERVICE: ServiceDefinition = {
  Who: {
    path: '/plexus.test.Echo/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

/** Client constructor for {@link ECHO_SERVICE}. */
export const EchoClient = makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

/** A running echo server on 127.0.0.1. */
export interface EchoServer {
  readonly name: string;
  readonly port: number;
  calls: number;
  close(): Promise<void>;
}

/** Starts an echo server on 127.0.0.1 with a kernel-chosen port. */
export async function startEchoServer(name: string): Promise<EchoServer> {
  const server = new Server();
  const state = { calls: 0 };
  server.addService(ECHO_SERVICE, {
    Who: (call: ServerUnaryCall<EchoRequest, EchoReply>, cb: sendUnaryData<EchoReply>) => {
      state.calls++;
      if (!call.request) return cb({ code: status.INVALID_ARGUMENT, details: 'empty request' });
      cb(null, { server: name });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    name,
    port,
    get calls() { return state.calls; },
    set calls(v: number) { state.calls = v; },
    close: () => new Promise<void>((resolve) => {
      const t = setTimeout(() => { server.forceShutdown(); resolve(); }, 500);
      server.tryShutdown(() => { clearTimeout(t); resolve(); });
    }),
  };
}
