// The one command-line syntax of every Plexus binary: `--config FILE`, then `--<path> <value>`
// or `--<path>=<value>`, where path is dotted and each part camelCase or kebab-case
// (`--app.port 9080`, `--control-plane.config-push a:1`). Flags override file and environment
// (see load.ts), so an unknown or malformed flag is reported by the schema like any other field.
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';

export interface ParsedFlags {
  file: string | undefined;
  /** Dotted camelCase paths → values; numbers and booleans are taken as such. */
  overrides: Record<string, unknown>;
}

export function parseFlags(argv: readonly string[]): ParsedFlags {
  const overrides: Record<string, unknown> = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError([{ path: arg, message: 'unexpected argument (flags are --name value)' }], 'flags');
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq !== -1) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new ConfigError([{ path: `--${name}`, message: 'needs a value' }], 'flags');
      }
      i++;
    }
    if (name === 'config') {
      file = value;
      continue;
    }
    const path = name
      .split('.')
      .map((p) => p.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
      .join('.');
    overrides[path] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return { file, overrides };
}

/** loadConfig with the file and overrides taken from command-line flags. */
export function loadConfigFromArgs<S extends z.ZodType>(schema: S, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const { file, overrides } = parseFlags(argv);
  return loadConfig(schema, { ...(file === undefined ? {} : { file }), env, overrides });
}
