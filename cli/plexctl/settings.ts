// Where plexctl connects and as whom. Precedence: flags > environment > config file > defaults.
//   --server ADDR          PLEXCTL_POLICY_ADDR        policyAddr       127.0.0.1:7102
//   --registry ADDR        PLEXCTL_REGISTRY_ADDR      registryAddr     127.0.0.1:7101
//   --config-push ADDR     PLEXCTL_CONFIG_PUSH_ADDR   configPushAddr   127.0.0.1:7103
//   --token TOKEN          PLEXCTL_TOKEN              token (or tokenFile)
//   --timeout MS           PLEXCTL_TIMEOUT_MS         timeoutMs        10000
// Config file: --config FILE, else $PLEXCTL_CONFIG, else ~/.plexctl.yaml if it exists (YAML).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './exit-codes.js';

const address = z.string().regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'must be host:port');

const fileSchema = z
  .object({
    policyAddr: address.optional(),
    registryAddr: address.optional(),
    configPushAddr: z.string().optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict();

export interface Settings {
  policyAddr: string;
  registryAddr: string;
  configPushAddr: string;
  token: string | undefined;
  timeoutMs: number;
}

export interface SettingsFlags {
  server?: string;
  registry?: string;
  'config-push'?: string;
  token?: string;
  timeout?: string;
  config?: string;
}

export const DEFAULT_SETTINGS: Settings = {
  policyAddr: '127.0.0.1:7102',
  registryAddr: '127.0.0.1:7101',
  configPushAddr: '127.0.0.1:7103',
  token: undefined,
  timeoutMs: 10_000,
};

export function resolveSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv, cwd: string): Settings {
  const file = loadFile(flags.config ?? env.PLEXCTL_CONFIG, cwd);
  const pick = (name: string, flag: string | undefined, envValue: string | undefined, fileValue: string | undefined, fallback: string): string => {
    const value = flag ?? (envValue || undefined) ?? fileValue ?? fallback;
    const ok = address.safeParse(value);
    if (!ok.success) throw new UsageError(`${name}: '${value}' must be host:port`);
    return value;
  };
  // Config-push replicas each answer for their own proxies: a comma-separated list is asked as
  // one (status merged; see commands/rollout.ts), the same as --replicas.
  const pickList = (name: string, flag: string | undefined, envValue: string | undefined, fileValue: string | undefined, fallback: string): string => {
    const value = flag ?? (envValue || undefined) ?? fileValue ?? fallback;
    for (const a of value.split(',').map((x) => x.trim())) {
      if (!address.safeParse(a).success) throw new UsageError(`${name}: '${a}' must be host:port (or a comma-separated list of them)`);
    }
    return value;
  };
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
  return {
    policyAddr: pick('--server', flags.server, env.PLEXCTL_POLICY_ADDR, file.policyAddr, DEFAULT_SETTINGS.policyAddr),
    registryAddr: pick('--registry', flags.registry, env.PLEXCTL_REGISTRY_ADDR, file.registryAddr, DEFAULT_SETTINGS.registryAddr),
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
