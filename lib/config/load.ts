// Configuration: a YAML file plus PLEXUS_* environment variables, validated once by a strict
// zod schema. Every problem is reported with its field path; start-up then exits with code 2.
//
// Environment mapping: strip `PLEXUS_`, split on `__` for nesting, camelCase each part:
//   PLEXUS_LOG_LEVEL=debug            → logLevel: "debug"
//   PLEXUS_STORE__BACKEND=etcd        → store.backend: "etcd"
//   PLEXUS_STORE__ENDPOINTS=http://a,http://b → store.endpoints (lists accept comma-separated)
// Values that parse as JSON numbers/booleans/arrays/objects are taken as such.
// Precedence: defaults (in the schema) < file < environment < explicit overrides (flags).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { ConfigError, violationsFromZod, type FieldViolation } from '../errors.js';

/**
 * The YAML parser, loaded only when a config file is given: most processes (every proxy started
 * from flags and PLEXUS_* alone) never need it, and it costs ~9 MB of resident memory. Loaded
 * with require (the package ships CommonJS too) because loading config is synchronous.
 */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof Yaml).parse(text);
}

/** Variables that configure the loader itself, not the schema. */
const RESERVED_ENV = new Set(['PLEXUS_CONFIG', 'PLEXUS_LOG_LEVEL_OVERRIDE']);

export interface LoadConfigOptions {
  /** YAML/JSON file; defaults to $PLEXUS_CONFIG when set. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence, e.g. from command-line flags; dotted keys allowed (`grpc.port`). */
  overrides?: Record<string, unknown>;
  /** Which env prefix to read; default `PLEXUS_`. */
  envPrefix?: string;
}

export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions = {}): z.infer<S> {
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? 'PLEXUS_';
  const file = options.file ?? env.PLEXUS_CONFIG;
  const sources: string[] = [];
  let raw: Record<string, unknown> = {};

  if (file) {
    sources.push(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }], file);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new ConfigError([{ path: '(file)', message: `not valid YAML: ${(err as Error).message}` }], file);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) {
        throw new ConfigError([{ path: '(file)', message: 'top level must be a mapping' }], file);
      }
      raw = doc as Record<string, unknown>;
    }
  }

  const envViolations: FieldViolation[] = [];
  let fromEnv = false;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || RESERVED_ENV.has(name)) continue;
    const path = envNameToPath(name.slice(prefix.length));
    if (path.length === 0) {
      envViolations.push({ path: name, message: 'not a valid setting name' });
      continue;
    }
    setPath(raw, path, parseEnvValue(value));
    fromEnv = true;
  }
  if (fromEnv) sources.push(`${prefix}* environment`);
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, dotted.split('.'), value);
  }
  if (options.overrides && Object.keys(options.overrides).length) sources.push('flags');

  const result = schema.safeParse(raw);
  const source = sources.length ? sources.join(' + ') : 'defaults';
  if (!result.success || envViolations.length) {
    const violations = [...envViolations, ...(result.success ? [] : violationsFromZod(result.error.issues))];
    throw new ConfigError(violations, source);
  }
  return result.data as z.infer<S>;
}

export function envNameToPath(name: string): string[] {
  return name
    .split('__')
    .filter((p) => p.length > 0)
    .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

function parseEnvValue(value: string): unknown {
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed) || trimmed === 'true' || trimmed === 'false' || /^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
