import type { Level } from './level.js';

/** One kind of analysis message: Istio's code, name and level, with Plexus's own wording. */
export interface MessageType {
  code: string;
  name: string;
  level: Level;
  /** Text with `{0}`, `{1}`... replaced by the message's parameters. */
  template: string;
}

function t(code: string, name: string, level: Level, template: string): MessageType {
  return { code, name, level, template };
}

/**
 * Istio's analyzer message codes. Codes, names and levels are Istio's so that suppressions
 * and CI scripts keep working; the wording is Plexus's.
 */
export const MESSAGE_TYPES = {
  InternalError: t('IST0001', 'InternalError', 'Error', 'Internal error: {0}'),
  Deprecated: t('IST0002', 'Deprecated', 'Warning', 'Deprecated: {0}'),
  ReferencedResourceNotFound: t('IST0101', 'ReferencedResourceNotFound', 'Error', 'Referenced {0} not found: {1}'),
  NamespaceNotInjected: t('IST0102', 'NamespaceNotInjected', 'Info', 'Istio injection is not enabled for namespace {0}; label it istio-injection=enabled, or istio-injection=disabled to record that it needs none.'),
  PodMissingProxy: t('IST0103', 'PodMissingProxy', 'Warning', 'Pod {0} has no Istio proxy; restarting or redeploying the workload usually fixes this.'),
  SchemaValidationError: t('IST0106', 'SchemaValidationError', 'Error', 'Schema validation error: {0}'),
  MisplacedAnnotation: t('IST0107', 'MisplacedAnnotation', 'Warning', 'Misplaced annotation: {0} belongs only on {1}'),
  UnknownAnnotation: t('IST0108', 'UnknownAnnotation', 'Warning', 'Unknown annotation: {0}'),
  ConflictingMeshGatewayVirtualServiceHosts: t('IST0109', 'ConflictingMeshGatewayVirtualServiceHosts', 'Error', 'VirtualServices {0} bound to the mesh gateway all define host {1}; the result is undefined. Merge them into one VirtualService.'),
  ConflictingSidecarWorkloadSelectors: t('IST0110', 'ConflictingSidecarWorkloadSelectors', 'Error', 'Sidecars {0} in namespace {1} all select workload pod {2}; the result is undefined.'),
  MultipleSidecarsWithoutWorkloadSelectors: t('IST0111', 'MultipleSidecarsWithoutWorkloadSelectors', 'Error', 'Sidecars {0} in namespace {1} have no workload selector; only one may, otherwise the result is undefined.'),
  VirtualServiceDestinationPortSelectorRequired: t('IST0112', 'VirtualServiceDestinationPortSelectorRequired', 'Error', 'Destination {0} exposes several ports {1}; the route must name one in destination.port.'),
  DeploymentAssociatedToMultipleServices: t('IST0116', 'DeploymentAssociatedToMultipleServices', 'Warning', 'Deployment {0} is selected by services using port {1} with different protocols: {2}'),
  PortNameIsNotUnderNamingConvention: t('IST0118', 'PortNameIsNotUnderNamingConvention', 'Info', 'Port name {0} (port: {1}, targetPort: {2}) does not follow Istio\'s <protocol>[-<suffix>] naming convention and sets no appProtocol.'),
  JwtFailureDueToInvalidServicePortPrefix: t('IST0119', 'JwtFailureDueToInvalidServicePortPrefix', 'Warning', 'A JWT policy targets a Service port with an invalid specification (port: {0}, name: {1}, protocol: {2}, targetPort: {3}).'),
  InvalidRegexp: t('IST0122', 'InvalidRegexp', 'Warning', 'Field {0} holds an invalid regular expression {1} ({2})'),
  NamespaceMultipleInjectionLabels: t('IST0123', 'NamespaceMultipleInjectionLabels', 'Warning', 'Namespace carries more than one kind of injection label {0}; keep exactly one.'),
  InvalidAnnotation: t('IST0125', 'InvalidAnnotation', 'Warning', 'Invalid annotation {0}: {1}'),
  UnknownMeshNetworksServiceRegistry: t('IST0126', 'UnknownMeshNetworksServiceRegistry', 'Error', 'Network {1} names unknown service registry {0}'),
  NoMatchingWorkloadsFound: t('IST0127', 'NoMatchingWorkloadsFound', 'Warning', 'No workloads match this resource\'s labels: {0}'),
  NoServerCertificateVerificationDestinationLevel: t('IST0128', 'NoServerCertificateVerificationDestinationLevel', 'Warning', 'DestinationRule {0} in namespace {1} uses TLS mode {2} without caCertificates, so the server identity of host {3} is not verified'),
  NoServerCertificateVerificationPortLevel: t('IST0129', 'NoServerCertificateVerificationPortLevel', 'Warning', 'DestinationRule {0} in namespace {1} uses TLS mode {2} without caCertificates, so the server identity of host {3} is not verified on port {4}'),
  VirtualServiceUnreachableRule: t('IST0130', 'VirtualServiceUnreachableRule', 'Warning', 'VirtualService rule {0} is never used ({1}).'),
  VirtualServiceIneffectiveMatch: t('IST0131', 'VirtualServiceIneffectiveMatch', 'Info', 'VirtualService rule {0} match {1} is never used (rule {2} has the same match).'),
  VirtualServiceHostNotFoundInGateway: t('IST0132', 'VirtualServiceHostNotFoundInGateway', 'Warning', 'Hosts {0} of VirtualService {1} are not served by Gateway {2}.'),
  SchemaWarning: t('IST0133', 'SchemaWarning', 'Warning', 'Schema validation warning: {0}'),
  ServiceEntryAddressesRequired: t('IST0134', 'ServiceEntryAddressesRequired', 'Warning', 'This ServiceEntry needs addresses for ports with TCP or unset protocol.'),
  DeprecatedAnnotation: t('IST0135', 'DeprecatedAnnotation', 'Info', 'Annotation {0} is deprecated{1} and may stop working in a future release.'),
  AlphaAnnotation: t('IST0136', 'AlphaAnnotation', 'Info', 'Annotation {0} belongs to an alpha feature and may be only partly supported.'),
  DeploymentConflictingPorts: t('IST0137', 'DeploymentConflictingPorts', 'Warning', 'Deployment {0} is selected by services {1} that map targetPort {2} to different ports: {3}.'),
  GatewayDuplicateCertificate: t('IST0138', 'GatewayDuplicateCertificate', 'Warning', 'Gateways {0} share a certificate, which can cause 404s when clients reuse HTTP/2 connections.'),
  InvalidWebhook: t('IST0139', 'InvalidWebhook', 'Error', '{0}'),
  IngressRouteRulesNotAffected: t('IST0140', 'IngressRouteRulesNotAffected', 'Warning', 'The subset in VirtualService {0} does not apply to requests through ingress gateway {1}'),
  InsufficientPermissions: t('IST0141', 'InsufficientPermissions', 'Error', 'Missing permission to create {0} ({1})'),
  UnsupportedKubernetesVersion: t('IST0142', 'UnsupportedKubernetesVersion', 'Error', 'Kubernetes version {0} is below the minimum {1}'),
  LocalhostListener: t('IST0143', 'LocalhostListener', 'Error', 'Port {0} is exposed by a Service but the workload listens on localhost, so other pods cannot reach it.'),
  InvalidApplicationUID: t('IST0144', 'InvalidApplicationUID', 'Warning', 'User ID 1337 is reserved for the sidecar proxy.'),
  ConflictingGateways: t('IST0145', 'ConflictingGateways', 'Error', 'Conflicts with gateways {0} (workload selector {1}, port {2}, hosts {3}).'),
  ImageAutoWithoutInjectionWarning: t('IST0146', 'ImageAutoWithoutInjectionWarning', 'Warning', '{0} {1} uses `image: auto` but no injection webhook selects it.'),
  ImageAutoWithoutInjectionError: t('IST0147', 'ImageAutoWithoutInjectionError', 'Error', '{0} {1} uses `image: auto` but no injection webhook selects it.'),
  NamespaceInjectionEnabledByDefault: t('IST0148', 'NamespaceInjectionEnabledByDefault', 'Info', 'is enabled for Istio injection because the mesh injects namespaces by default.'),
  JwtClaimBasedRoutingWithoutRequestAuthN: t('IST0149', 'JwtClaimBasedRoutingWithoutRequestAuthN', 'Error', 'Routing on JWT claim {0} needs a RequestAuthentication for the pods of gateway {1}, but pod {2} has none; without it the claims are never validated or available.'),
  ExternalNameServiceTypeInvalidPortName: t('IST0150', 'ExternalNameServiceTypeInvalidPortName', 'Warning', 'This ExternalName service has a port name that makes the proxy treat it as plain TCP; such traffic may not be forwarded correctly.'),
  EnvoyFilterUsesRelativeOperation: t('IST0151', 'EnvoyFilterUsesRelativeOperation', 'Warning', 'This EnvoyFilter uses a relative patch operation without a priority, so it may not apply; use INSERT_FIRST or ADD, or set a priority.'),
  EnvoyFilterUsesReplaceOperationIncorrectly: t('IST0152', 'EnvoyFilterUsesReplaceOperationIncorrectly', 'Error', 'REPLACE works only with HTTP_FILTER and NETWORK_FILTER.'),
  EnvoyFilterUsesAddOperationIncorrectly: t('IST0153', 'EnvoyFilterUsesAddOperationIncorrectly', 'Error', 'ADD is ignored when applyTo is ROUTE_CONFIGURATION or HTTP_ROUTE.'),
  EnvoyFilterUsesRemoveOperationIncorrectly: t('IST0154', 'EnvoyFilterUsesRemoveOperationIncorrectly', 'Error', 'REMOVE is ignored when applyTo is ROUTE_CONFIGURATION or HTTP_ROUTE.'),
  EnvoyFilterUsesRelativeOperationWithProxyVersion: t('IST0155', 'EnvoyFilterUsesRelativeOperationWithProxyVersion', 'Warning', 'This EnvoyFilter uses a relative patch operation and a proxyVersion without a priority, so it may stop applying during an upgrade.'),
  UnsupportedGatewayAPIVersion: t('IST0156', 'UnsupportedGatewayAPIVersion', 'Error', 'Gateway API CRD version {0} is below the minimum {1}'),
  InvalidTelemetryProvider: t('IST0157', 'InvalidTelemetryProvider', 'Warning', 'Telemetry {0} in namespace {1} names no providers and no default provider is configured; it is ignored.'),
  PodsIstioProxyImageMismatchInNamespace: t('IST0158', 'PodsIstioProxyImageMismatchInNamespace', 'Warning', 'Pods {0} run a proxy image other than the injection configuration\'s; redeploy them.'),
  ConflictingTelemetryWorkloadSelectors: t('IST0159', 'ConflictingTelemetryWorkloadSelectors', 'Error', 'Telemetries {0} in namespace {1} all select workload pod {2}; the result is undefined.'),
  MultipleTelemetriesWithoutWorkloadSelectors: t('IST0160', 'MultipleTelemetriesWithoutWorkloadSelectors', 'Error', 'Telemetries {0} in namespace {1} have no workload selector; only one may, otherwise the result is undefined.'),
  InvalidGatewayCredential: t('IST0161', 'InvalidGatewayCredential', 'Error', 'The credential used by Gateway {0} in namespace {1} is invalid; its traffic may fail.'),
  GatewayPortNotDefinedOnService: t('IST0162', 'GatewayPortNotDefinedOnService', 'Warning', 'Gateway port {0} is not exposed by any Service of its workloads (selector {1}).'),
  InvalidExternalControlPlaneConfig: t('IST0163', 'InvalidExternalControlPlaneConfig', 'Warning', 'Webhook {1} reaches the external control plane through {0}: {2}.'),
  ExternalControlPlaneAddressIsNotAHostname: t('IST0164', 'ExternalControlPlaneAddressIsNotAHostname', 'Info', 'Webhook {1} reaches the external control plane through IP address {0}; use a host name in production.'),
  ReferencedInternalGateway: t('IST0165', 'ReferencedInternalGateway', 'Warning', 'Gateway {0} is internal to Istio and should not be referenced.'),
  IneffectiveSelector: t('IST0166', 'IneffectiveSelector', 'Warning', 'The selector has no effect on Kubernetes Gateway {0}; use targetRef.'),
  IneffectivePolicy: t('IST0167', 'IneffectivePolicy', 'Warning', 'The policy has no effect: {0}.'),
  UnknownUpgradeCompatibility: t('IST0168', 'UnknownUpgradeCompatibility', 'Warning', 'Setting {0} changed in release {1} and compatibility cannot be checked: {2}.'),
  UpdateIncompatibility: t('IST0169', 'UpdateIncompatibility', 'Warning', 'Setting {0} changed in release {1}: {2}.'),
  MultiClusterInconsistentService: t('IST0170', 'MultiClusterInconsistentService', 'Warning', 'Service {0} in namespace {1} differs across clusters {2}: {3}.'),
  NegativeConditionStatus: t('IST0171', 'NegativeConditionStatus', 'Warning', 'A condition has a negative status: type={0}, reason={1}, message={2}.'),
  FutureUnsupportedGatewayAPIVersion: t('IST0172', 'FutureUnsupportedGatewayAPIVersion', 'Warning', 'Gateway API CRD version {0} will not be supported by future releases (minimum {1}).'),
  DestinationRuleSubsetNotSelectPods: t('IST0173', 'DestinationRuleSubsetNotSelectPods', 'Error', 'Subset {0} of this DestinationRule selects no workloads; requests to it will fail with 503 (no healthy upstream).'),
  UnknownDestinationRuleHost: t('IST0174', 'UnknownDestinationRuleHost', 'Warning', 'Host {0} of this DestinationRule matches no service in the mesh.'),
  JwksUriFetchUnrestricted: t('IST0175', 'JwksUriFetchUnrestricted', 'Warning', 'JWKS URI {0} is fetched without restriction.'),
  GatewayAPICRDVersionBelowMinimum: t('IST0176', 'GatewayAPICRDVersionBelowMinimum', 'Warning', 'Gateway API CRD version {0} is below the recommended minimum {1}.'),
  ConflictingServiceEntryProtocol: t('IST0177', 'ConflictingServiceEntryProtocol', 'Warning', 'ServiceEntries {0} define host {1} port {2} with different protocols: {3}.'),
} as const satisfies Record<string, MessageType>;

/** Name of a message type in MESSAGE_TYPES. */
export type MessageName = keyof typeof MESSAGE_TYPES;

const byCode = new Map<string, MessageType>(Object.values(MESSAGE_TYPES).map((m) => [m.code, m]));

/** The message type with this code (`IST0101`), if any. */
export function messageTypeByCode(code: string): MessageType | undefined {
  return byCode.get(code);
}

/** Fills a template's `{n}` placeholders. */
export function formatTemplate(template: string, params: readonly unknown[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const v = params[Number(i)];
    return v === undefined ? whole : String(v);
  });
}
