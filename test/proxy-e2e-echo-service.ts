// What the end-to-end tests' upstream apps serve: their ports and the gRPC echo service.
import type * as grpc from '@grpc/grpc-js';

/** The ports every instance serves (the Service's target ports). */
export const APP_PORTS = { http: 9080, h2c: 9081, grpc: 9082, tcp: 9083, tls: 9443 } as const;

/** The gRPC echo service, with raw Buffers as messages (no protobuf needed to prove transport). */
export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Say: { path: '/plexus.test.Echo/Say', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b },
  Fail: { path: '/plexus.test.Echo/Fail', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b },
};

