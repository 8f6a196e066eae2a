import type { PolicyTargeting } from '../policy-target/types.js';

/** What an AuthorizationPolicy does with the requests its rules match. */
export type AuthorizationAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** `security.istio.io` AuthorizationPolicy spec. */
export interface AuthorizationPolicySpec extends PolicyTargeting {
  /** Rules; unset and `[]` differ: an ALLOW policy with no rules matches nothing (denies all). */
  rules?: AuthorizationRule[];
  /** Default `ALLOW`. */
  action?: AuthorizationAction;
  /** The extension provider of a CUSTOM policy. */
  provider?: ExtensionProviderRef;
}

/** `AuthorizationPolicy.ExtensionProvider`: names an entry of MeshConfig `extensionProviders`. */
export interface ExtensionProviderRef {
  name?: string;
}

/** A rule matches when all of its `from`, `to` and `when` match; an empty rule matches everything. */
export interface AuthorizationRule {
  from?: RuleFrom[];
  to?: RuleTo[];
  when?: Condition[];
}

/** `Rule.From`. */
export interface RuleFrom {
  source?: Source;
}

/** `Rule.To`. */
export interface RuleTo {
  operation?: Operation;
}

/** Who sent the request (peer identity, JWT principal, namespace, addresses). */
export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

/** What the request asks for (host, port, method, path). Ports are strings in Istio's API. */
export interface Operation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

/** A `when` condition on an Istio attribute (`request.headers[x-user]`, `source.ip`...). */
export interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}
