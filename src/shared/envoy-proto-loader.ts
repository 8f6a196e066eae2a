import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';

// Envoy's v3 protos are read at run time from @grpc/grpc-js-xds's deps/ (never copied into the
// repo). Shared by the controller and the proxy's xds-client, which each load the files they use.

function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  // protoc-gen-validate imports google/protobuf/descriptor.proto, which protobufjs ships.
  const pbRoot = dirname(require.resolve('protobufjs/package.json'));
  return [join(deps, 'envoy-api'), join(deps, 'xds'), join(deps, 'googleapis'), join(deps, 'protoc-gen-validate'), pbRoot];
}

/** Loads and resolves `files` (paths relative to the proto include dirs), field names as in the .proto. */
export function loadEnvoyProtos(files: readonly string[]): protobuf.Root {
  const dirs = includeDirs();
  const root = new protobuf.Root();
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
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}
