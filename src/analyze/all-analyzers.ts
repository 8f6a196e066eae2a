import type { Analyzer } from './analyzer.js';
import { authorizationPolicyNamespaceAnalyzer } from './analyzers/authz-namespaces.js';
import { caCertificateAnalyzer } from './analyzers/dr-ca-certificates.js';
import { subsetSelectPodAnalyzer } from './analyzers/dr-subsets.js';
import { deprecationAnalyzer } from './analyzers/deprecation.js';
import { conflictingGatewayAnalyzer } from './analyzers/gateway-conflicts.js';
import { gatewaySecretAnalyzer } from './analyzers/gateway-secrets.js';
import { gatewaySelectorAnalyzer } from './analyzers/gateway-selector.js';
import { authenticationSelectorAnalyzer, authorizationPolicySelectorAnalyzer } from './analyzers/policy-selectors.js';
import { schemaValidationAnalyzer } from './analyzers/schema-validation.js';
import { protocolAddressesAnalyzer } from './analyzers/se-addresses.js';
import { conflictingServiceEntryProtocolAnalyzer } from './analyzers/se-conflicting-protocols.js';
import { portNameAnalyzer } from './analyzers/service-port-names.js';
import { sidecarDefaultSelectorAnalyzer, sidecarSelectorAnalyzer } from './analyzers/sidecar-selectors.js';
import { telemetryProviderAnalyzer } from './analyzers/telemetry-providers.js';
import { telemetryDefaultSelectorAnalyzer, telemetrySelectorAnalyzer } from './analyzers/telemetry-selectors.js';
import { conflictingMeshGatewayHostsAnalyzer } from './analyzers/vs-conflicting-mesh-hosts.js';
import { virtualServiceDestinationHostAnalyzer } from './analyzers/vs-destination-hosts.js';
import { virtualServiceDestinationRuleAnalyzer } from './analyzers/vs-destination-rules.js';
import { virtualServiceGatewayAnalyzer } from './analyzers/vs-gateways.js';
import { jwtClaimRouteAnalyzer } from './analyzers/vs-jwt-claim-route.js';
import { unreachableRulesAnalyzer } from './analyzers/vs-unreachable-rules.js';

/** Every analyzer `plexus analyze` runs, in one table. */
export const ALL_ANALYZERS: readonly Analyzer[] = [
  schemaValidationAnalyzer,
  deprecationAnalyzer,
  authorizationPolicySelectorAnalyzer,
  authorizationPolicyNamespaceAnalyzer,
  authenticationSelectorAnalyzer,
  caCertificateAnalyzer,
  subsetSelectPodAnalyzer,
  gatewaySelectorAnalyzer,
  conflictingGatewayAnalyzer,
  gatewaySecretAnalyzer,
  portNameAnalyzer,
  protocolAddressesAnalyzer,
  conflictingServiceEntryProtocolAnalyzer,
  sidecarSelectorAnalyzer,
  sidecarDefaultSelectorAnalyzer,
  telemetryProviderAnalyzer,
  telemetrySelectorAnalyzer,
  telemetryDefaultSelectorAnalyzer,
  conflictingMeshGatewayHostsAnalyzer,
  virtualServiceDestinationHostAnalyzer,
  virtualServiceDestinationRuleAnalyzer,
  virtualServiceGatewayAnalyzer,
  jwtClaimRouteAnalyzer,
  unreachableRulesAnalyzer,
];
