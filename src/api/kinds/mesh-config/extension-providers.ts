import type { Reporter } from '../../diagnostic.js';
import { any, list, message, str, type Schema } from '../../schema/schema.js';
import { checkFQDN, checkPort, isIP } from '../../validation/common.js';

/** The provider kinds of a MeshConfig extension provider (exactly one per entry). */
export const PROVIDER_KINDS = [
  'envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'zipkin', 'lightstep', 'datadog', 'stackdriver', 'opencensus',
  'skywalking', 'opentelemetry', 'prometheus', 'envoyFileAccessLog', 'envoyHttpAls', 'envoyTcpAls', 'envoyOtelAls', 'sds',
] as const;

/** Providers that talk to a service and so need `service` and `port`. */
const SERVICE_PROVIDERS = new Set([
  'envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'zipkin', 'lightstep', 'datadog', 'opencensus', 'skywalking', 'opentelemetry',
  'envoyHttpAls', 'envoyTcpAls', 'envoyOtelAls',
]);

/**
 * Schema of `MeshConfig.ExtensionProvider`. Provider bodies are free-form: their fields grow
 * with every Istio release, and the rules that matter (service, port) are checked below.
 */
export const extensionProviderSchema: Schema = message(
  'ExtensionProvider',
  () => ({ name: str(), ...Object.fromEntries(PROVIDER_KINDS.map((k) => [k, any()])) }),
  [PROVIDER_KINDS],
);

/** Schema of `MeshConfig.DefaultProviders`. */
export const defaultProvidersSchema: Schema = message('DefaultProviders', () => ({ tracing: list(str()), metrics: list(str()), accessLogging: list(str()) }));

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `[<namespace>/]<hostname>`: an FQDN or IP, optionally with a namespace (or `*`, `.`, `~`). */
export function checkProviderService(service: unknown): string | undefined {
  if (typeof service !== 'string' || service === '') return 'service must not be empty';
  const slash = service.indexOf('/');
  if (slash < 0) return checkFQDN(service) && !isIP(service) ? `invalid service ${JSON.stringify(service)}: not a hostname or an IP address` : undefined;
  const ns = service.slice(0, slash);
  const host = service.slice(slash + 1);
  if (ns === '' || host === '') return 'namespace and hostname in service cannot be empty';
  if (!['*', '.', '~'].includes(ns) && !DNS_LABEL.test(ns)) return `invalid namespace ${JSON.stringify(ns)} in service`;
  if (host !== '*' && !host.includes('.')) return 'short names (non FQDN) are not allowed in service';
  return checkFQDN(host.replace(/^\*\./, 'x.')) ?? undefined;
}

/**
 * Istio only logs invalid extension providers (they matter when referenced), so problems are
 * reported as warnings; Telemetry and AuthorizationPolicy analysis checks the references.
 */
export function validateExtensionProviders(providers: readonly Record<string, unknown>[] | undefined, at: Reporter): void {
  const names = new Set<string>();
  (providers ?? []).forEach((p, i) => {
    const atP = at.at(i);
    if (!p || typeof p !== 'object') return atP.warn('extension provider must not be null');
    const name = typeof p.name === 'string' ? p.name : '';
    if (name === '') atP.at('name').warn('extension provider name must not be empty');
    else if (names.has(name)) atP.at('name').warn(`duplicate extension provider name ${JSON.stringify(name)}`);
    names.add(name);
    const kind = PROVIDER_KINDS.find((k) => p[k] !== undefined && p[k] !== null);
    if (!kind) return atP.warn(`extension provider ${JSON.stringify(name)} does not configure a provider`);
    const body = p[kind];
    const atB = atP.at(kind);
    if (typeof body !== 'object' || Array.isArray(body)) return atB.warn('provider settings must be an object');
    const cfg = body as Record<string, unknown>;
    if (SERVICE_PROVIDERS.has(kind)) {
      const svcErr = checkProviderService(cfg.service);
      if (svcErr) atB.at('service').warn(`invalid extension provider ${name}: ${svcErr}`);
      const portErr = checkPort(cfg.port ?? 0);
      if (portErr) atB.at('port').warn(`invalid extension provider ${name}: ${portErr}`);
    }
    if (kind === 'envoyExtAuthzHttp' && typeof cfg.pathPrefix === 'string' && cfg.pathPrefix !== '' && !cfg.pathPrefix.startsWith('/')) {
      atB.at('pathPrefix').warn(`invalid extension provider ${name}: pathPrefix should begin with "/"`);
    }
    if ((kind === 'envoyExtAuthzHttp' || kind === 'envoyExtAuthzGrpc') && cfg.statusOnError !== undefined && cfg.statusOnError !== '') {
      const code = Number(cfg.statusOnError);
      if (!/^\d+$/.test(String(cfg.statusOnError)) || code < 100 || code > 599) atB.at('statusOnError').warn(`invalid extension provider ${name}: statusOnError ${JSON.stringify(cfg.statusOnError)} is not an HTTP status code`);
    }
    if (kind === 'lightstep' && !cfg.accessToken) atB.at('accessToken').warn(`invalid extension provider ${name}: access token is required`);
    if (kind === 'opentelemetry' && cfg.grpc !== undefined && cfg.http !== undefined) atB.warn(`invalid extension provider ${name}: cannot specify both grpc and http`);
  });
}
