import { enumOf, list, message, str, type Schema } from '../../schema/schema.js';
import { policyTargetingFields } from '../policy-target/schema.js';

const strings = (): Schema => list(str());

const sourceSchema: Schema = message('Source', () => ({
  principals: strings(),
  notPrincipals: strings(),
  requestPrincipals: strings(),
  notRequestPrincipals: strings(),
  namespaces: strings(),
  notNamespaces: strings(),
  serviceAccounts: strings(),
  notServiceAccounts: strings(),
  ipBlocks: strings(),
  notIpBlocks: strings(),
  remoteIpBlocks: strings(),
  notRemoteIpBlocks: strings(),
}));

const operationSchema: Schema = message('Operation', () => ({
  hosts: strings(),
  notHosts: strings(),
  ports: strings(),
  notPorts: strings(),
  methods: strings(),
  notMethods: strings(),
  paths: strings(),
  notPaths: strings(),
}));

const conditionSchema: Schema = message('Condition', () => ({ key: str(), values: strings(), notValues: strings() }));

const ruleSchema: Schema = message('Rule', () => ({
  from: list(message('Rule.From', () => ({ source: sourceSchema }))),
  to: list(message('Rule.To', () => ({ operation: operationSchema }))),
  when: list(conditionSchema),
}));

/** Schema of the AuthorizationPolicy spec (security.istio.io v1 / v1beta1). */
export const authorizationPolicySchema: Schema = message(
  'AuthorizationPolicy',
  () => ({
    ...policyTargetingFields(),
    rules: list(ruleSchema),
    action: enumOf('ALLOW', 'DENY', 'AUDIT', 'CUSTOM'),
    provider: message('AuthorizationPolicy.ExtensionProvider', () => ({ name: str() })),
  }),
);
