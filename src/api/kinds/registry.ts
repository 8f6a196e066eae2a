import { virtualServiceKind } from './virtual-service/definition.js';
import { destinationRuleKind } from './destination-rule/definition.js';
import { gatewayKind } from './gateway/definition.js';
import { serviceEntryKind } from './service-entry/definition.js';
import { sidecarKind } from './sidecar/definition.js';
import { workloadEntryKind } from './workload-entry/definition.js';
import { workloadGroupKind } from './workload-group/definition.js';
import { envoyFilterKind } from './envoy-filter/definition.js';
import { proxyConfigKind } from './proxy-config/definition.js';
import { authorizationPolicyKind } from './authorization-policy/definition.js';
import { peerAuthenticationKind } from './peer-authentication/definition.js';
import { requestAuthenticationKind } from './request-authentication/definition.js';
import { telemetryKind } from './telemetry/definition.js';
import { wasmPluginKind } from './wasm-plugin/definition.js';
import { serviceKind } from './service/definition.js';
import { namespaceKind } from './namespace/definition.js';
import { podKind } from './pod/definition.js';
import { deploymentKind } from './deployment/definition.js';
import { configMapKind } from './config-map/definition.js';
import { secretKind } from './secret/definition.js';
import { meshConfigKind } from './mesh-config/definition.js';
import type { KindDefinition } from './kind.js';

/** Every kind Plexus reads, in one table. */
export const KINDS: readonly KindDefinition<never>[] = [
  virtualServiceKind,
  destinationRuleKind,
  gatewayKind,
  serviceEntryKind,
  sidecarKind,
  workloadEntryKind,
  workloadGroupKind,
  envoyFilterKind,
  proxyConfigKind,
  authorizationPolicyKind,
  peerAuthenticationKind,
  requestAuthenticationKind,
  telemetryKind,
  wasmPluginKind,
  serviceKind,
  namespaceKind,
  podKind,
  deploymentKind,
  configMapKind,
  secretKind,
  meshConfigKind,
] as unknown as readonly KindDefinition<never>[];

const byKind = new Map<string, KindDefinition<never>>();
const byName = new Map<string, KindDefinition<never>>();
for (const def of KINDS) {
  byKind.set(`${def.group}/${def.kind}`, def);
  for (const n of [def.kind, def.plural, ...def.shortNames, def.kind.toLowerCase()]) byName.set(n.toLowerCase(), def);
}

/** The definition for a group and kind, if Plexus knows it. */
export function kindDefinition(group: string, kind: string): KindDefinition<never> | undefined {
  return byKind.get(`${group}/${kind}`);
}

/** Kinds with this name in any group (used to say "known kind, wrong apiVersion"). */
export function kindsNamed(kind: string): KindDefinition<never>[] {
  return KINDS.filter((d) => d.kind === kind);
}

/** Looks a kind up the way kubectl does: kind, plural, short name, any case. */
export function lookupKind(name: string): KindDefinition<never> | undefined {
  return byName.get(name.toLowerCase());
}
