import type { ServiceModel } from '../../registry/model.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';

/**
 * The service a proxyless client means by `host` (as typed in its target): the host itself,
 * or a short form expanded like cluster DNS would (`greeter` → `greeter.<ns>.svc.<domain>`,
 * `greeter.other` → `greeter.other.svc.<domain>`, `greeter.other.svc` → `….<domain>`).
 */
export function resolveRequestedHost(push: PushContext, proxy: ProxyInfo, host: string): ServiceModel | undefined {
  const direct = push.serviceFor(proxy, host);
  if (direct) return direct;
  const labels = host.split('.');
  const candidates: string[] = [];
  if (labels.length === 1) candidates.push(`${host}.${proxy.dnsDomain}`);
  else if (labels.length === 2) candidates.push(`${host}.svc.${push.domainSuffix}`);
  else if (labels.length === 3 && labels[2] === 'svc') candidates.push(`${host}.${push.domainSuffix}`);
  for (const c of candidates) {
    const s = push.serviceFor(proxy, c);
    if (s) return s;
  }
  return undefined;
}

/**
 * The names a client may use for a service on `port`, as virtual host domains. A proxyless
 * client matches the authority of its target, port included, against these.
 */
export function serviceDomains(push: PushContext, service: ServiceModel, port: number): string[] {
  const hosts = [service.hostname];
  const suffix = `.svc.${push.domainSuffix}`;
  if (service.hostname.endsWith(suffix)) {
    const nameNs = service.hostname.slice(0, -suffix.length);
    const name = nameNs.slice(0, nameNs.lastIndexOf('.'));
    hosts.push(`${nameNs}.svc`, nameNs, name);
  }
  hosts.push(...service.addresses);
  const out: string[] = [];
  for (const h of hosts) out.push(h, `${h}:${port}`);
  return [...new Set(out)];
}
