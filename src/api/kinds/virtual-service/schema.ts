import { bool, duration, enumOf, int32, list, map, message, num, str, uint32, wrappedBool, wrappedUint32, type Schema } from '../../schema/schema.js';
import { portSelectorSchema } from '../destination-rule/schema.js';

// Schema of a VirtualService spec (every field of the current API, deprecated ones included).

const stringMatchSchema = message('StringMatch', () => ({ exact: str(), prefix: str(), regex: str() }), [['exact', 'prefix', 'regex']]);

const destinationSchema = message('Destination', () => ({ host: str(), subset: str(), port: portSelectorSchema }));

const headerOperationsSchema = message('HeaderOperations', () => ({ set: map(str()), add: map(str()), remove: list(str()) }));
const headersSchema = message('Headers', () => ({ request: headerOperationsSchema, response: headerOperationsSchema }));

const percentSchema = message('Percent', () => ({ value: num() }));

const httpMatchSchema = message('HTTPMatchRequest', () => ({
  name: str(),
  uri: stringMatchSchema,
  scheme: stringMatchSchema,
  method: stringMatchSchema,
  authority: stringMatchSchema,
  headers: map(stringMatchSchema),
  port: uint32(),
  sourceLabels: map(str()),
  gateways: list(str()),
  queryParams: map(stringMatchSchema),
  ignoreUriCase: bool(),
  withoutHeaders: map(stringMatchSchema),
  sourceNamespace: str(),
  statPrefix: str(),
}));

const httpRouteSchema = message('HTTPRoute', () => ({
  name: str(),
  match: list(httpMatchSchema),
  route: list(message('HTTPRouteDestination', () => ({ destination: destinationSchema, weight: int32(), headers: headersSchema }))),
  redirect: message(
    'HTTPRedirect',
    () => ({
      uri: str(),
      authority: str(),
      port: uint32(),
      derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
      scheme: str(),
      redirectCode: uint32(),
    }),
    [['port', 'derivePort']],
  ),
  directResponse: message('HTTPDirectResponse', () => ({
    status: uint32(),
    body: message('HTTPBody', () => ({ string: str(), bytes: str() }), [['string', 'bytes']]),
  })),
  delegate: message('Delegate', () => ({ name: str(), namespace: str() })),
  rewrite: message('HTTPRewrite', () => ({
    uri: str(),
    authority: str(),
    uriRegexRewrite: message('RegexRewrite', () => ({ match: str(), rewrite: str() })),
  })),
  timeout: duration(),
  retries: message('HTTPRetry', () => ({
    attempts: int32(),
    perTryTimeout: duration(),
    retryOn: str(),
    retryRemoteLocalities: wrappedBool(),
    retryIgnorePreviousHosts: wrappedBool(),
    backoff: duration(),
  })),
  fault: message('HTTPFaultInjection', () => ({
    delay: message(
      'Delay',
      () => ({ fixedDelay: duration(), exponentialDelay: duration(), percentage: percentSchema, percent: int32() }),
      [['fixedDelay', 'exponentialDelay']],
    ),
    abort: message(
      'Abort',
      () => ({ httpStatus: int32(), grpcStatus: str(), http2Error: str(), percentage: percentSchema }),
      [['httpStatus', 'grpcStatus', 'http2Error']],
    ),
  })),
  mirror: destinationSchema,
  mirrors: list(message('HTTPMirrorPolicy', () => ({ destination: destinationSchema, percentage: percentSchema }))),
  mirrorPercent: wrappedUint32(),
  mirrorPercentage: percentSchema,
  corsPolicy: message('CorsPolicy', () => ({
    allowOrigins: list(stringMatchSchema),
    allowOrigin: list(str()),
    allowMethods: list(str()),
    allowHeaders: list(str()),
    exposeHeaders: list(str()),
    maxAge: duration(),
    allowCredentials: wrappedBool(),
    unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  })),
  headers: headersSchema,
}));

const routeDestinationSchema = message('RouteDestination', () => ({ destination: destinationSchema, weight: int32() }));

const l4MatchSchema = message('L4MatchAttributes', () => ({
  destinationSubnets: list(str()),
  port: uint32(),
  sourceLabels: map(str()),
  gateways: list(str()),
  sourceNamespace: str(),
  sourceSubnet: str(),
}));

const tlsMatchSchema = message('TLSMatchAttributes', () => ({
  sniHosts: list(str()),
  destinationSubnets: list(str()),
  port: uint32(),
  sourceLabels: map(str()),
  gateways: list(str()),
  sourceNamespace: str(),
}));

/** Schema of a VirtualService's spec. */
export const virtualServiceSchema: Schema = message('VirtualService', () => ({
  hosts: list(str()),
  gateways: list(str()),
  http: list(httpRouteSchema),
  tls: list(message('TLSRoute', () => ({ match: list(tlsMatchSchema), route: list(routeDestinationSchema) }))),
  tcp: list(message('TCPRoute', () => ({ match: list(l4MatchSchema), route: list(routeDestinationSchema) }))),
  exportTo: list(str()),
}));
