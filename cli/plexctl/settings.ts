// Where plexctl connects and as whom. Precedence: flags > environment > config file > defaults.
//   --server ADDRS         PLEXCTL_POLICY_ADDR        policyAddr       127.0.0.1:7102
//   --registry ADDRS       PLEXCTL_REGISTRY_ADDR      registryAddr     127.0.0.1:7101
//   --config-push ADDRS    PLEXCTL_CONFIG_PUSH_ADDR   configPushAddr   127.0.0.1:7103
//   (--identity ADDRS      PLEXCTL_IDENTITY_ADDR      127.0.0.1:7104, identity commands only)
// ADDRS is `host:port` or the service's replicas as `host:port,host:port,…`. Unary calls go to the
// next replica when resending is safe (lib/grpc/replica-failover.ts: reads always, writes only
// when provably not delivered or guarded by --revision); config-push status commands ask every
// replica and merge. PLEXCTL_CONFIG_PUSH_REPLICAS / --replicas are deprecated aliases that add
// config-push replicas to the list.
//   --token TOKEN          PLEXCTL_TOKEN              token (or tokenFile)
//   --timeout MS           PLEXCTL_TIMEOUT_MS         timeoutMs        10000
//   --ca-file FILE         PLEXCTL_CA_FILE            caFile           .plexus-dev/ca.pem if present
//   --trust-domain TD      PLEXCTL_TRUST_DOMAIN       trustDomain      plexus.local
//   --insecure             PLEXCTL_INSECURE=1         insecure         false
// Config file: --config FILE, else $PLEXCTL_CONFIG, else ~/.plexctl.yaml if it exists (YAML).
// Every call runs over TLS: the server must chain to the CA file's root(s) and carry the SPIFFE
// ID of the service asked (spiffe://<td>/ns/plexus-system/svc/<registry|policy|config-push>).
// Without a CA file plexctl refuses to connect, unless told `insecure` (plaintext test servers).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './exit-codes.js';

const ADDRESS = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;
/** `host:port` or `host:port,host:port,…` (replicas of one service). */
const addressList = z
  .string()
  .refine((v) => v.split(',').every((a) => ADDRESS.test(a.trim())), 'must be host:port or a comma-separated list of host:port');

/** Checks an address list from a flag or variable; `name` is how the user set it. */
export function parseAddressList(name: string, value: string): string {
  const items = value.split(',').map((a) => a.trim());
  for (const a of items) {
    if (!ADDRESS.test(a)) throw new UsageError(`${name}: '${a}' must be host:port (or a comma-separated list of them)`);
  }
  return items.join(',');
}

const fileSchema = z
  .object({
    policyAddr: addressList.optional(),
    registryAddr: addressList.optional(),
    configPushAddr: addressList.optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
    caFile: z.string().min(1).optional(),
    trustDomain: z.string().min(1).max(255).optional(),
    insecure: z.boolean().optional(),
  })
  .strict();

export interface Settings {
  /** Each: `host:port` or replicas `host:port,host:port`. */
  policyAddr: string;
  registryAddr: string;
  configPushAddr: string;
  token: string | undefined;
  timeoutMs: number;
  /** PEM text of the mesh root(s); undefined only when insecure. */
  caPem: string | undefined;
  /** Where caPem came from (for messages). */
  caFile: string | undefined;
  trustDomain: string;
  insecure: boolean;
}

export interface SettingsFlags {
  server?: string;
  registry?: string;
  'config-push'?: string;
  token?: string;
  timeout?: string;
  config?: string;
  'ca-file'?: string;
  'trust-domain'?: string;
  insecure?: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  policyAddr: '127.0.0.1:7102',
  registryAddr: '127.0.0.1:7101',
  configPushAddr: '127.0.0.1:7103',
  token: undefined,
  timeoutMs: 10_000,
  caPem: undefined,
  caFile: undefined,
  trustDomain: 'plexus.local',
  insecure: false,
};

/** Where the dev mesh (`npm start`) writes its root; plexctl uses it when nothing else is set. */
export const DEV_CA_FILE = join('.plexus-dev', 'ca.pem');

export function resolveSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv, cwd: string): Settings {
  const file = loadFile(flags.config ?? env.PLEXCTL_CONFIG, cwd);
  // Every address setting takes a list of replicas (see the header).
  const pickList = (name: string, flag: string | undefined, envValue: string | undefined, fileValue: string | undefined, fallback: string): string =>
    parseAddressList(name, flag ?? (envValue || undefined) ?? fileValue ?? fallback);
  let token = flags.token ?? (env.PLEXCTL_TOKEN || undefined) ?? file.token;
  if (token === undefined && file.tokenFile) {
    try {
      token = readFileSync(resolve(cwd, file.tokenFile), 'utf8').trim();
    } catch (err) {
      throw new UsageError(`tokenFile: cannot read ${file.tokenFile}: ${(err as Error).message}`);
    }
  }
  const timeoutText = flags.timeout ?? (env.PLEXCTL_TIMEOUT_MS || undefined);
  let timeoutMs = file.timeoutMs ?? DEFAULT_SETTINGS.timeoutMs;
  if (timeoutText !== undefined) {
    timeoutMs = Number(timeoutText);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new UsageError(`--timeout: '${timeoutText}' must be whole milliseconds ≥ 100`);
  }
  const insecure = flags.insecure === true || /^(1|true|yes)$/i.test(env.PLEXCTL_INSECURE ?? '') || file.insecure === true;
  let caFile = flags['ca-file'] ?? (env.PLEXCTL_CA_FILE || undefined) ?? file.caFile;
  if (caFile === undefined && !insecure && existsSync(resolve(cwd, DEV_CA_FILE))) caFile = DEV_CA_FILE;
  let caPem: string | undefined;
  if (caFile !== undefined) {
    try {
      caPem = readFileSync(resolve(cwd, caFile), 'utf8');
    } catch (err) {
      throw new UsageError(`--ca-file: cannot read ${caFile}: ${(err as Error).message}`);
    }
    if (!caPem.includes('BEGIN CERTIFICATE')) throw new UsageError(`--ca-file: ${caFile} holds no PEM certificate`);
  }
  return {
    caPem,
    caFile,
    trustDomain: flags['trust-domain'] ?? (env.PLEXCTL_TRUST_DOMAIN || undefined) ?? file.trustDomain ?? DEFAULT_SETTINGS.trustDomain,
    insecure: insecure && caPem === undefined,
    policyAddr: pickList('--server', flags.server, env.PLEXCTL_POLICY_ADDR, file.policyAddr, DEFAULT_SETTINGS.policyAddr),
    registryAddr: pickList('--registry', flags.registry, env.PLEXCTL_REGISTRY_ADDR, file.registryAddr, DEFAULT_SETTINGS.registryAddr),
    configPushAddr: pickList('--config-push', flags['config-push'], env.PLEXCTL_CONFIG_PUSH_ADDR, file.configPushAddr, DEFAULT_SETTINGS.configPushAddr),
    token,
    timeoutMs,
  };
}

function loadFile(explicit: string | undefined, cwd: string): z.infer<typeof fileSchema> {
  const path = explicit ? resolve(cwd, explicit) : join(homedir(), '.plexctl.yaml');
  if (!explicit && !existsSync(path)) return {};
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path}: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(`config file ${path} is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
