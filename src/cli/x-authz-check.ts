import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import type { CliIO } from './command.js';
import { controllerSource, proxyAdminSource, staticSource, type ConfigDumpSource } from './config-dump-source.js';
import { viewConfigDump, type Json } from './config-dump-view.js';
import { resolveHome } from './home.js';
import { offlineConfigDump } from './offline-proxy.js';
import { renderTabTable } from './tab-table.js';

/** Usage of `plexus x authz check`. */
export const authzCheckUsage = `Usage: plexus x authz check PROXY [-o table|json] [--home DIR | --admin URL]
       plexus x authz check --offline -f DIR... --workload NS/NAME [--type sidecar|router]

Lists the AuthorizationPolicies that apply to a proxy, read back from the RBAC filters of its
listeners as istioctl x authz check does: ACTION (CUSTOM, DENY, ALLOW, AUDIT; dry-run policies
marked), the policy as NAME.NAMESPACE and how many of its rules were generated. A policy that
matches nothing (an ALLOW without rules) counts one rule. PROXY is a node id or <pod>.<namespace>
connected to the controller of the home directory; --offline generates the configuration from
files without a controller.`;

const HTTP_RBAC = 'envoy.extensions.filters.http.rbac.v3.RBAC';
const NETWORK_RBAC = 'envoy.extensions.filters.network.rbac.v3.RBAC';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const POLICY_NAME = /^(istio-ext-authz-)?ns\[(.+)\]-policy\[(.+)\]-rule\[(\d+)\](-deny-due-to-bad-CUSTOM-action)?$/;

/** One row of the table: a policy, its action and the rule indices seen in any chain. */
export interface AuthzCheckRow {
  readonly action: string;
  readonly policy: string;
  readonly rules: number;
}

const typeOf = (o: Json | undefined): string => String(o?.['@type'] ?? '').replace(/^.*\//, '');
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Every RBAC config of a listener: HTTP filters of its HCMs and network filters of its chains. */
function rbacConfigs(listener: Json): Json[] {
  const out: Json[] = [];
  const chains = [...list(listener.filter_chains), ...(listener.default_filter_chain ? [listener.default_filter_chain as Json] : [])];
  for (const chain of chains) {
    for (const f of list(chain.filters)) {
      const cfg = f.typed_config as Json | undefined;
      const t = typeOf(cfg);
      if (t === NETWORK_RBAC) out.push(cfg!);
      if (t === HCM) for (const h of list(cfg!.http_filters)) if (typeOf(h.typed_config as Json) === HTTP_RBAC) out.push(h.typed_config as Json);
    }
  }
  return out;
}

const ACTION_NAMES: Readonly<Record<string, string>> = { ALLOW: 'ALLOW', DENY: 'DENY', LOG: 'AUDIT', 0: 'ALLOW', 1: 'DENY', 2: 'AUDIT' };

/**
 * The policies and rule counts behind a proxy's listeners. Enforced rules show their action;
 * shadow rules are CUSTOM (the `istio_ext_authz_` shadow RBAC) or dry-run policies.
 */
export function authzCheckRows(listeners: readonly Json[]): AuthzCheckRow[] {
  const rules = new Map<string, Set<string>>();
  const add = (action: string, policy: string, rule: string): void => {
    const key = `${action}\0${policy}`;
    let set = rules.get(key);
    if (!set) {
      set = new Set();
      rules.set(key, set);
    }
    set.add(rule);
  };
  const walk = (rbac: Json | undefined, shadow: boolean, custom: boolean): void => {
    if (!rbac) return;
    const action = ACTION_NAMES[String(rbac.action ?? 'ALLOW')] ?? String(rbac.action);
    const names = Object.keys((rbac.policies as Json | undefined) ?? {});
    if (names.length === 0 && !shadow && action === 'ALLOW') add(action, '_anonymous_match_nothing_', '0');
    for (const name of names) {
      const m = POLICY_NAME.exec(name);
      if (!m) {
        add(action, name, '0');
        continue;
      }
      const label = m[1] || custom ? 'CUSTOM' : shadow ? `${action} (dry-run)` : action;
      add(m[5] ? 'CUSTOM (denied: bad provider)' : label, `${m[3]}.${m[2]}`, m[4]!);
    }
  };
  for (const l of listeners) {
    for (const cfg of rbacConfigs(l)) {
      const custom = cfg.shadow_rules_stat_prefix === 'istio_ext_authz_';
      walk(cfg.rules as Json | undefined, false, false);
      walk(cfg.shadow_rules as Json | undefined, true, custom);
    }
  }
  const order = ['CUSTOM', 'CUSTOM (denied: bad provider)', 'AUDIT', 'DENY', 'ALLOW'];
  const rank = (a: string): number => {
    const i = order.indexOf(a.replace(' (dry-run)', ''));
    return (i < 0 ? order.length : i) * 2 + (a.endsWith('(dry-run)') ? 1 : 0);
  };
  return [...rules].map(([key, set]) => {
    const [action, policy] = key.split('\0') as [string, string];
    return { action, policy, rules: set.size };
  }).sort((a, b) => rank(a.action) - rank(b.action) || a.policy.localeCompare(b.policy));
}

/** `plexus x authz check`. */
export async function authzCheck(args: string[], io: CliIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${authzCheckUsage}\n`);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'table' },
      home: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      admin: { type: 'string' },
      offline: { type: 'boolean', default: false },
      filename: { type: 'string', short: 'f', multiple: true },
      workload: { type: 'string' },
      type: { type: 'string', default: 'sidecar' },
    },
  });
  const [proxyArg, ...extra] = positionals;
  if (extra.length > 0) throw new PlexusError('PLEXUS_ERR_USAGE', `unexpected arguments: ${extra.join(' ')}`);
  if (values.output !== 'table' && values.output !== 'json') throw new PlexusError('PLEXUS_ERR_USAGE', `-o must be table or json, not ${JSON.stringify(values.output)}`);
  let source: ConfigDumpSource;
  if (values.offline) {
    const files = values.filename ?? [];
    const workload = values.workload ?? proxyArg;
    if (files.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', '--offline needs the config files: -f DIR');
    if (!workload) throw new PlexusError('PLEXUS_ERR_USAGE', '--offline needs --workload NS/NAME (a WorkloadEntry or Pod in the files)');
    if (values.type !== 'sidecar' && values.type !== 'router') throw new PlexusError('PLEXUS_ERR_USAGE', `--type must be sidecar or router, not ${JSON.stringify(values.type)}`);
    const request = { paths: files, workload, defaultNamespace: values.namespace ?? 'default', type: values.type as 'sidecar' | 'router' };
    source = staticSource(`offline generation for ${workload}`, () => offlineConfigDump(request));
  } else if (values.admin) {
    source = proxyAdminSource(values.admin);
  } else {
    if (!proxyArg) throw new PlexusError('PLEXUS_ERR_USAGE', 'x authz check needs a PROXY (see plexus proxy-status), or --offline');
    const proxy = proxyArg.includes('.') || proxyArg.includes('~') || !values.namespace ? proxyArg : `${proxyArg}.${values.namespace}`;
    source = controllerSource(resolveHome(values.home, io.env), proxy);
  }
  const rows = authzCheckRows(viewConfigDump(await source.fetch()).listeners);
  if (values.output === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  io.stdout(renderTabTable([['ACTION', 'AuthorizationPolicy', 'RULES'], ...rows.map((r) => [r.action, r.policy, String(r.rules)])], 3));
  return 0;
}
