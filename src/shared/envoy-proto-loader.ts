import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import type protobuf from 'protobufjs';

// Envoy's v3 protos are read at run time from @grpc/grpc-js-xds's deps/ (never copied into the
// repo). Shared by the controller and the proxy's xds-client, which each load the files they use,
// and by EnvoyFilter validation, which loads packages on demand.

const require = createRequire(import.meta.url);

/**
 * protobufjs itself, required on first use: config validation imports this module but reads
 * protos only for the rare EnvoyFilter with a patch value, so importing it must cost nothing.
 */
export function protobufjs(): typeof protobuf {
  return require('protobufjs') as typeof protobuf;
}

/** The folders .proto imports are resolved against: envoy-api, xds, googleapis, protoc-gen-validate, protobufjs. */
export function envoyProtoIncludeDirs(): string[] {
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  // protoc-gen-validate imports google/protobuf/descriptor.proto, which protobufjs ships.
  const pbRoot = dirname(require.resolve('protobufjs/package.json'));
  return [join(deps, 'envoy-api'), join(deps, 'xds'), join(deps, 'googleapis'), join(deps, 'protoc-gen-validate'), pbRoot];
}

/**
 * An empty root whose imports resolve against the include dirs. Files can be added to it later
 * with `loadSync` (each file is read once per root), which is how on-demand loading grows one root.
 */
export function createEnvoyProtoRoot(dirs: readonly string[] = envoyProtoIncludeDirs()): protobuf.Root {
  const root = new (protobufjs().Root)();
  const fallback = root.resolvePath.bind(root);
  root.resolvePath = (origin: string, target: string): string => {
    if (isAbsolute(target)) return target;
    for (const dir of dirs) {
      const full = join(dir, target);
      if (existsSync(full)) return full;
    }
    // google/protobuf/{any,struct,duration,...}.proto are built into protobufjs.
    return fallback(origin, target) ?? target;
  };
  return root;
}

/** Loads and resolves `files` (paths relative to the proto include dirs), field names as in the .proto. */
export function loadEnvoyProtos(files: readonly string[]): protobuf.Root {
  const root = createEnvoyProtoRoot();
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}
