import { runValidationCases } from '../../testing/validation-cases.js';

// Each case is a whole VirtualService; `vs` indents a spec body written as YAML text.
const vs = (spec: string, meta = 'name: v, namespace: shop'): string =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {${meta}}\nspec:\n${spec.replace(/^/gm, '  ')}`;

// A VS for host `cart` with one HTTP rule given as a flow mapping body.
const rule = (body: string): string => vs(`hosts: [cart]\nhttp:\n- ${body}`);
const to = 'route: [{destination: {host: cart}}]';

runValidationCases('VirtualService', [
  // hosts and gateways
  { name: 'a simple route', valid: true, noWarnings: true, yaml: rule(to) },
  { name: 'weighted subsets', valid: true, yaml: vs('hosts: [cart.shop.svc.cluster.local]\nhttp:\n- route:\n  - {destination: {host: cart, subset: v1}, weight: 90}\n  - {destination: {host: cart, subset: v2, port: {number: 8080}}, weight: 10}') },
  { name: 'no routes at all', valid: false, error: 'spec: a virtual service needs at least one http, tcp or tls route', yaml: vs('hosts: [cart]') },
  { name: 'a host with an underscore', valid: false, error: /spec\.hosts\[0\]: domain name "ca_rt" invalid/, yaml: vs(`hosts: [ca_rt]\nhttp: [{${to}}]`) },
  { name: 'an IP address as host', valid: true, yaml: vs(`hosts: [198.19.0.9]\nhttp: [{${to}}]`) },
  { name: '"*" for the mesh', valid: false, error: 'spec.hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway', yaml: vs(`hosts: ["*"]\nhttp: [{${to}}]`) },
  { name: '"*" on a gateway', valid: true, yaml: vs(`hosts: ["*"]\ngateways: [shop/web-gw]\nhttp: [{${to}}]`) },
  { name: '"*" on a gateway and the mesh', valid: false, error: 'wildcard host *', yaml: vs(`hosts: ["*"]\ngateways: [shop/web-gw, mesh]\nhttp: [{${to}}]`) },
  { name: 'duplicate hosts through a wildcard', valid: false, error: 'spec.hosts[1]: duplicate hosts in virtual service: *.example.org & shop.example.org', yaml: vs(`hosts: ["*.example.org", shop.example.org]\nhttp: [{${to}}]`) },
  { name: 'a gateway namespace/name', valid: true, yaml: vs(`hosts: [shop.example.org]\ngateways: [istio-ingress/public-gw]\nhttp: [{${to}}]`) },
  { name: 'a legacy gateway name warns', valid: true, warning: 'spec.gateways[0]: gateway name "public-gw.istio-ingress" uses the legacy format; prefer <namespace>/<name>: "istio-ingress/public-gw"', yaml: vs(`hosts: [shop.example.org]\ngateways: [public-gw.istio-ingress]\nhttp: [{${to}}]`) },
  { name: 'a gateway with an empty name', valid: false, error: 'spec.gateways[0]: gateway namespace and name cannot be empty', yaml: vs(`hosts: [shop.example.org]\ngateways: [istio-ingress/]\nhttp: [{${to}}]`) },
  { name: 'a gateway namespace with a dot', valid: false, error: 'invalid gateway namespace "a.b"', yaml: vs(`hosts: [shop.example.org]\ngateways: [a.b/gw]\nhttp: [{${to}}]`) },
  { name: 'a delegate without hosts', valid: true, yaml: vs(`http: [{${to}}]`) },
  { name: 'a delegate with gateways', valid: false, error: 'spec.gateways: a delegate virtual service (one without hosts) must not list gateways', yaml: vs(`gateways: [shop/gw]\nhttp: [{${to}}]`) },
  { name: 'a delegate with a tcp route', valid: false, error: 'spec.tcp: a delegate virtual service', yaml: vs('tcp: [{route: [{destination: {host: db}}]}]') },
  { name: 'a delegate rule that delegates again', valid: false, error: 'spec.http[0].delegate: an HTTP route of a delegate VirtualService cannot delegate again', yaml: vs(`http: [{delegate: {name: other}, ${to}}]`) },
  { name: 'a root rule that delegates', valid: true, yaml: rule('delegate: {name: cart-routes, namespace: shop}') },
  { name: 'a root rule that delegates and routes', valid: false, error: 'spec.http[0].route: root HTTP route delegates and must not also have a route', yaml: rule(`delegate: {name: cart-routes}\n  ${to}`) },
  { name: 'exportTo "." and the own namespace', valid: false, error: 'spec.exportTo[1]: duplicate entries in exportTo', yaml: vs(`hosts: [cart]\nexportTo: [".", shop]\nhttp: [{${to}}]`) },

  // rule actions
  { name: 'a rule without an action', valid: false, error: 'spec.http[0]: HTTP route needs a route, a redirect or a directResponse', yaml: rule('name: nothing') },
  { name: 'route and redirect together', valid: false, error: 'spec.http[0].route: HTTP route cannot contain both route and redirect', yaml: rule(`redirect: {uri: /new}\n  ${to}`) },
  { name: 'rewrite and redirect together', valid: false, error: 'spec.http[0].rewrite: HTTP route cannot contain both rewrite and redirect', yaml: rule('redirect: {uri: /new}\n  rewrite: {uri: /x}') },
  { name: 'directResponse and fault together', valid: false, error: 'spec.http[0].fault: HTTP route cannot contain both fault and directResponse', yaml: rule('directResponse: {status: 503}\n  fault: {abort: {httpStatus: 500}}') },
  { name: 'a direct response', valid: true, yaml: rule('directResponse: {status: 418, body: {string: "short and stout"}}') },
  { name: 'a direct response with status 199', valid: false, error: 'spec.http[0].directResponse.status: HTTP status 199 is not in range 200-599', yaml: rule('directResponse: {status: 199}') },
  { name: 'a direct response without status', valid: false, error: 'directResponse.status: status is required', yaml: rule('directResponse: {body: {string: x}}') },
  { name: 'a large direct response body warns', valid: true, warning: 'directResponse.body: large direct response bodies', yaml: rule(`directResponse: {status: 200, body: {string: "${'x'.repeat(120 * 1024)}"}}`) },
  { name: 'string and bytes body together', valid: false, error: 'only one of string, bytes may be set', yaml: rule('directResponse: {status: 200, body: {string: a, bytes: YQ==}}') },

  // redirect
  { name: 'a redirect with derivePort', valid: true, yaml: rule('redirect: {scheme: https, derivePort: FROM_PROTOCOL_DEFAULT, redirectCode: 308}') },
  { name: 'an empty redirect', valid: false, error: 'spec.http[0].redirect: redirect must set at least one of', yaml: rule('redirect: {redirectCode: 301}') },
  { name: 'a redirect with code 200', valid: false, error: 'spec.http[0].redirect.redirectCode: 200 is not a valid redirect code', yaml: rule('redirect: {uri: /x, redirectCode: 200}') },
  { name: 'a redirect to ftp', valid: false, error: 'spec.http[0].redirect.scheme: redirect scheme must be "http" or "https"', yaml: rule('redirect: {scheme: ftp}') },
  { name: 'port and derivePort together', valid: false, error: 'only one of port, derivePort may be set', yaml: rule('redirect: {port: 8443, derivePort: FROM_REQUEST_PORT}') },
  { name: 'a redirect port out of range', valid: false, error: 'redirect.port: port number 70000', yaml: rule('redirect: {port: 70000}') },

  // rewrite
  { name: 'a regex rewrite', valid: true, yaml: rule(`rewrite: {uriRegexRewrite: {match: "^/v1/(.*)$", rewrite: "/v2/\\\\1"}}\n  ${to}`) },
  { name: 'uri and uriRegexRewrite together', valid: false, error: 'spec.http[0].rewrite: rewrite may contain only one of uri or uriRegexRewrite', yaml: rule(`rewrite: {uri: /a, uriRegexRewrite: {match: a, rewrite: b}}\n  ${to}`) },
  { name: 'an empty rewrite', valid: false, error: 'rewrite must set at least one of', yaml: rule(`rewrite: {}\n  ${to}`) },
  { name: 'a regex rewrite without the replacement', valid: false, error: 'uriRegexRewrite requires both match and rewrite', yaml: rule(`rewrite: {uriRegexRewrite: {match: "^/a"}}\n  ${to}`) },
  { name: 'a regex rewrite with a lookahead (not RE2)', valid: false, error: 'spec.http[0].rewrite.uriRegexRewrite.match: invalid regex', yaml: rule(`rewrite: {uriRegexRewrite: {match: "^/(?=a)", rewrite: /}}\n  ${to}`) },
  { name: 'authority rewritten twice', valid: false, error: 'spec.http[0].headers.request.set.host: the authority is rewritten more than once', yaml: rule(`rewrite: {authority: a.example.org}\n  headers: {request: {set: {host: b.example.org}}}\n  ${to}`) },

  // matches
  { name: 'matches on every field', valid: true, yaml: rule(`match:\n  - name: api\n    uri: {prefix: /api}\n    scheme: {exact: https}\n    method: {regex: "GET|HEAD"}\n    authority: {prefix: shop}\n    headers: {x-user: {exact: ""}, x-trace: {}}\n    queryParams: {debug: {exact: "1"}}\n    withoutHeaders: {x-skip: {regex: "*"}}\n    port: 8080\n    sourceLabels: {app: web}\n    sourceNamespace: frontend\n    ignoreUriCase: true\n    statPrefix: api\n  ${to}`) },
  { name: 'an empty uri prefix is allowed', valid: true, yaml: rule(`match: [{uri: {prefix: ""}}]\n  ${to}`) },
  { name: 'an empty method prefix', valid: false, error: 'spec.http[0].match[0].method.prefix: prefix string match should not be empty', yaml: rule(`match: [{method: {prefix: ""}}]\n  ${to}`) },
  { name: 'an empty header regex', valid: false, error: 'spec.http[0].match[0].headers.x-user.regex: regex string match should not be empty', yaml: rule(`match: [{headers: {x-user: {regex: ""}}}]\n  ${to}`) },
  { name: 'a uri regex with a backreference (not RE2)', valid: false, error: 'spec.http[0].match[0].uri.regex: invalid regex', yaml: rule(`match: [{uri: {regex: "(a)\\\\1"}}]\n  ${to}`) },
  { name: 'a regex over 1024 characters', valid: false, error: 'regex is too large', yaml: rule(`match: [{uri: {regex: "${'a'.repeat(1025)}"}}]\n  ${to}`) },
  { name: 'exact and prefix in one match', valid: false, error: 'spec.http[0].match[0].uri: only one of exact, prefix may be set', yaml: rule(`match: [{uri: {exact: /a, prefix: /b}}]\n  ${to}`) },
  { name: 'a header name with a space', valid: false, error: 'spec.http[0].match[0].headers["x user"]: "x user" is not a valid header name', yaml: rule(`match: [{headers: {"x user": {exact: a}}}]\n  ${to}`) },
  { name: 'a JWT claim route on the mesh', valid: false, error: 'JWT claim based routing (@request.auth.claims.group) is only supported on gateways', yaml: rule(`match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]\n  ${to}`) },
  { name: 'a JWT claim route on a gateway', valid: true, yaml: vs(`hosts: [shop.example.org]\ngateways: [shop/gw]\nhttp:\n- match: [{headers: {"@request.auth.claims[groups]": {exact: admin}}}]\n  ${to}`) },
  { name: 'a match port of 0 is unset', valid: true, yaml: rule(`match: [{port: 0}]\n  ${to}`) },
  { name: 'a match port out of range', valid: false, error: 'spec.http[0].match[0].port: port number 70000 must be in the range 1..65535', yaml: rule(`match: [{port: 70000}]\n  ${to}`) },
  { name: 'a bad source namespace', valid: false, error: 'spec.http[0].match[0].sourceNamespace: sourceNamespace "front.end" is not a valid namespace name', yaml: rule(`match: [{sourceNamespace: front.end}]\n  ${to}`) },
  { name: 'a bad source label key', valid: false, error: 'spec.http[0].match[0].sourceLabels["-app"]: invalid label key', yaml: rule(`match: [{sourceLabels: {"-app": web}}]\n  ${to}`) },
  { name: 'a bad gateway in a match', valid: false, error: 'spec.http[0].match[0].gateways[0]: invalid gateway name "g_w"', yaml: rule(`match: [{gateways: [shop/g_w]}]\n  ${to}`) },

  // destinations
  { name: 'a destination without host', valid: false, error: 'spec.http[0].route[0].destination.host: destination host is required', yaml: rule('route: [{destination: {subset: v1}}]') },
  { name: 'a route entry without destination', valid: false, error: 'spec.http[0].route[0].destination: destination is required', yaml: rule('route: [{weight: 100}]') },
  { name: 'destination host "*"', valid: false, error: 'invalid destination host "*"', yaml: rule('route: [{destination: {host: "*"}}]') },
  { name: 'a subset name with a dot', valid: false, error: 'spec.http[0].route[0].destination.subset: invalid subset name "v1.2"', yaml: rule('route: [{destination: {host: cart, subset: v1.2}}]') },
  { name: 'a destination port of 0', valid: false, error: 'spec.http[0].route[0].destination.port.number: port number 0', yaml: rule('route: [{destination: {host: cart, port: {number: 0}}}]') },
  { name: 'a negative weight', valid: false, error: 'spec.http[0].route[1].weight: weight -10 must not be negative', yaml: rule('route: [{destination: {host: a}, weight: 110}, {destination: {host: b}, weight: -10}]') },
  { name: 'weights need not sum to 100', valid: true, yaml: rule('route: [{destination: {host: a}, weight: 3}, {destination: {host: b}, weight: 1}]') },
  { name: 'a single destination with weight 0', valid: true, yaml: rule('route: [{destination: {host: a}, weight: 0}]') },
  { name: 'several destinations all weighing 0', valid: false, error: 'spec.http[0].route: total destination weight is 0', yaml: rule('route: [{destination: {host: a}, weight: 0}, {destination: {host: b}, weight: 0}]') },

  // headers
  { name: 'header manipulation with Envoy variables', valid: true, yaml: rule(`headers:\n    request: {set: {x-node: "%HOSTNAME%", ":authority": shop.example.org}, add: {x-pct: "100%%"}, remove: [x-internal]}\n    response: {set: {x-served-by: "%UPSTREAM_METADATA([\\"istio\\", \\"canonical_service\\"])%"}}\n  ${to}`) },
  { name: 'setting a pseudo-header', valid: false, error: 'spec.http[0].headers.request.set[":path"]: invalid header ":path"', yaml: rule(`headers: {request: {set: {":path": /x}}}\n  ${to}`) },
  { name: 'setting the host response header', valid: false, error: 'spec.http[0].headers.response.set.Host: invalid header "Host"', yaml: rule(`headers: {response: {set: {Host: x}}}\n  ${to}`) },
  { name: 'removing the host request header', valid: false, error: 'spec.http[0].headers.request.remove[0]: invalid header "host"', yaml: rule(`headers: {request: {remove: [host]}}\n  ${to}`) },
  { name: 'an unescaped percent in a value', valid: false, error: 'has an unescaped %', yaml: rule(`headers: {request: {add: {x-rate: "50%"}}}\n  ${to}`) },
  { name: 'an unterminated variable', valid: false, error: 'unterminated %VARIABLE%', yaml: rule(`headers: {response: {add: {x-a: "%START_TIME"}}}\n  ${to}`) },
  { name: 'a control character in a value', valid: false, error: 'contains control characters', yaml: rule(`headers: {request: {set: {x-a: "a\\u0001b"}}}\n  ${to}`) },
  { name: 'destination-level header rules', valid: false, error: 'spec.http[0].route[0].headers.request.set[":method"]', yaml: rule('route: [{destination: {host: cart}, headers: {request: {set: {":method": POST}}}}]') },

  // timeouts, retries, fault, mirror, cors
  { name: 'timeout and retries', valid: true, yaml: rule(`timeout: 2.5s\n  retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,reset,503,unavailable", backoff: 25ms}\n  ${to}`) },
  { name: 'a sub-millisecond timeout', valid: false, error: 'spec.http[0].timeout: duration must be greater than 1ms', yaml: rule(`timeout: 100us\n  ${to}`) },
  { name: 'retryOn without attempts', valid: false, error: 'spec.http[0].retries.attempts: retry policy is configured but attempts is 0', yaml: rule(`retries: {retryOn: 5xx}\n  ${to}`) },
  { name: 'retries disabled with attempts 0', valid: true, yaml: rule(`retries: {attempts: 0}\n  ${to}`) },
  { name: 'an unknown retryOn policy', valid: false, error: 'spec.http[0].retries.retryOn: "sometimes" is not a valid retryOn policy', yaml: rule(`retries: {attempts: 2, retryOn: "5xx,sometimes"}\n  ${to}`) },
  { name: 'retryOn entries are not trimmed', valid: false, error: '" reset" is not a valid retryOn policy', yaml: rule(`retries: {attempts: 2, retryOn: "5xx, reset"}\n  ${to}`) },
  { name: 'an unknown retryOn status code', valid: false, error: '"599" is not a valid retryOn policy', yaml: rule(`retries: {attempts: 2, retryOn: "599"}\n  ${to}`) },
  { name: 'negative attempts', valid: false, error: 'attempts cannot be negative', yaml: rule(`retries: {attempts: -1}\n  ${to}`) },
  { name: 'fault injection with delay and abort', valid: true, yaml: rule(`fault:\n    delay: {fixedDelay: 5s, percentage: {value: 0.1}}\n    abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}\n  ${to}`) },
  { name: 'an empty fault', valid: false, error: 'spec.http[0].fault: fault injection must set an abort and/or a delay', yaml: rule(`fault: {}\n  ${to}`) },
  { name: 'an abort status of 700', valid: false, error: 'spec.http[0].fault.abort.httpStatus: HTTP status 700', yaml: rule(`fault: {abort: {httpStatus: 700}}\n  ${to}`) },
  { name: 'an unknown gRPC status', valid: false, error: 'spec.http[0].fault.abort.grpcStatus: gRPC status "14"', yaml: rule(`fault: {abort: {grpcStatus: "14"}}\n  ${to}`) },
  { name: 'an HTTP/2 error abort', valid: false, error: 'fault.abort.http2Error: HTTP/2 error abort fault injection is not supported', yaml: rule(`fault: {abort: {http2Error: REFUSED_STREAM}}\n  ${to}`) },
  { name: 'an abort without error type warns', valid: true, warning: 'spec.http[0].fault.abort: abort is configured without an error type', yaml: rule(`fault: {abort: {percentage: {value: 10}}}\n  ${to}`) },
  { name: 'a tiny fault percentage', valid: false, error: 'fault.delay.percentage.value: percentage 0.00001 is neither 0 nor', yaml: rule(`fault: {delay: {fixedDelay: 1s, percentage: {value: 0.00001}}}\n  ${to}`) },
  { name: 'an exponential delay', valid: false, error: 'exponentialDelay is not supported', yaml: rule(`fault: {delay: {exponentialDelay: 1s}}\n  ${to}`) },
  { name: 'mirror with a percentage', valid: true, yaml: rule(`mirror: {host: cart-shadow}\n  mirrorPercentage: {value: 25.5}\n  ${to}`) },
  { name: 'mirror and mirrors together', valid: false, error: 'spec.http[0].mirrors: HTTP route cannot contain both mirror and mirrors', yaml: rule(`mirror: {host: a}\n  mirrors: [{destination: {host: b}}]\n  ${to}`) },
  { name: 'a mirror percentage over 100', valid: false, error: 'spec.http[0].mirrors[0].percentage.value: mirror percentage must be at most 100', yaml: rule(`mirrors: [{destination: {host: b}, percentage: {value: 120}}]\n  ${to}`) },
  { name: 'a mirrors entry without destination', valid: false, error: 'spec.http[0].mirrors[0].destination: destination is required for mirrors', yaml: rule(`mirrors: [{percentage: {value: 5}}]\n  ${to}`) },
  { name: 'deprecated mirrorPercent warns', valid: true, warning: 'spec.http[0].mirrorPercent: mirrorPercent is deprecated', yaml: rule(`mirror: {host: a}\n  mirror_percent: 50\n  ${to}`) },
  { name: 'a CORS policy', valid: true, yaml: rule(`corsPolicy: {allowOrigins: [{exact: "https://shop.example.org"}, {regex: "https://.*\\\\.example\\\\.org"}], allowMethods: [GET, POST], allowHeaders: ["*"], exposeHeaders: [x-trace], maxAge: 24h, allowCredentials: true, unmatchedPreflights: IGNORE}\n  ${to}`) },
  { name: 'a lowercase CORS method', valid: false, error: 'spec.http[0].corsPolicy.allowMethods[0]: "get" is not a supported HTTP method', yaml: rule(`corsPolicy: {allowMethods: [get]}\n  ${to}`) },
  { name: 'an empty CORS origin', valid: false, error: 'spec.http[0].corsPolicy.allowOrigins[0]: an allowed origin needs', yaml: rule(`corsPolicy: {allowOrigins: [{exact: ""}]}\n  ${to}`) },
  { name: 'a CORS maxAge with milliseconds', valid: false, error: 'corsPolicy.maxAge: maxAge is only accurate to seconds', yaml: rule(`corsPolicy: {maxAge: 1500ms}\n  ${to}`) },
  { name: 'the deprecated allowOrigin warns', valid: true, warning: 'corsPolicy.allowOrigin: allowOrigin is deprecated', yaml: rule(`corsPolicy: {allowOrigin: ["*"]}\n  ${to}`) },

  // unreachable rules
  { name: 'a rule after a catch-all warns', valid: true, warning: 'spec.http[1]: virtualService rule "second" not used (only the last rule can have no matches)', yaml: vs(`hosts: [cart]\nhttp:\n- {${to}}\n- {name: second, ${to}}`) },
  { name: 'a duplicated match warns', valid: true, warning: /spec\.http\[1\]\.match\[0\]: virtualService rule #1 match "again" is not used \(duplicate\/overlapping match in rule #0\)/, yaml: vs(`hosts: [cart]\nhttp:\n- {match: [{uri: {exact: /a}}], ${to}}\n- {match: [{uri: {exact: /a}, name: again}], ${to}}\n- {${to}}`) },
  { name: 'a shadowed prefix warns', valid: true, warning: 'match #0 of prefix /api/v1 is not used', yaml: vs(`hosts: [cart]\nhttp:\n- {match: [{uri: {prefix: /api}}], ${to}}\n- {match: [{uri: {prefix: /api/v1}}], ${to}}`) },

  // tcp and tls
  { name: 'a TCP rule', valid: true, yaml: vs('hosts: [db.shop.svc.cluster.local]\ntcp:\n- match: [{port: 5432, destinationSubnets: [198.18.0.0/16], sourceLabels: {app: api}}]\n  route: [{destination: {host: db, port: {number: 5432}}}]') },
  { name: 'a TCP rule without a route', valid: false, error: 'spec.tcp[0].route: a TCP rule needs a route', yaml: vs('hosts: [db]\ntcp: [{match: [{port: 5432}]}]') },
  { name: 'a bad destination subnet', valid: false, error: 'spec.tcp[0].match[0].destinationSubnets[0]', yaml: vs('hosts: [db]\ntcp: [{match: [{destinationSubnets: [198.18.0.0/40]}], route: [{destination: {host: db}}]}]') },
  { name: 'a TLS rule within the hosts', valid: true, yaml: vs('hosts: ["*.example.org"]\ngateways: [mesh]\ntls:\n- match: [{sniHosts: [pay.example.org], port: 443}]\n  route: [{destination: {host: pay.example.org}}]') },
  { name: 'a TLS SNI host outside the hosts', valid: false, error: 'spec.tls[0].match[0].sniHosts[0]: SNI host "pay.example.com" is not within any of the virtual service hosts', yaml: vs('hosts: [pay.example.org]\ntls:\n- match: [{sniHosts: [pay.example.com]}]\n  route: [{destination: {host: pay.example.org}}]') },
  { name: 'a TLS match without SNI hosts', valid: false, error: 'spec.tls[0].match[0].sniHosts: a TLS match needs at least one SNI host', yaml: vs('hosts: [pay.example.org]\ntls:\n- match: [{port: 443}]\n  route: [{destination: {host: pay.example.org}}]') },
  { name: 'a TLS rule without matches', valid: false, error: 'spec.tls[0].match: a TLS rule needs at least one match condition', yaml: vs('hosts: [pay.example.org]\ntls:\n- route: [{destination: {host: pay.example.org}}]') },
  { name: 'an IP as SNI host warns', valid: true, warning: 'spec.tls[0].match[0].sniHosts[0]: SNI host "198.51.100.7" is an IP address', yaml: vs('hosts: [pay.example.org]\ntls:\n- match: [{sniHosts: [198.51.100.7]}]\n  route: [{destination: {host: pay.example.org}}]') },
  { name: 'an auto-passthrough SNI host on a gateway', valid: true, yaml: vs('hosts: ["*.mesh.internal"]\ngateways: [istio-system/cross-network]\ntls:\n- match: [{sniHosts: ["outbound_.9080_._.*.mesh.internal"]}]\n  route: [{destination: {host: "*.mesh.internal"}}]') },
  { name: 'unknown field in a TCP match', valid: false, error: 'spec.tcp[0].match[0].sniHosts: unknown field', yaml: vs('hosts: [db]\ntcp: [{match: [{sniHosts: [a]}], route: [{destination: {host: db}}]}]') },
]);
