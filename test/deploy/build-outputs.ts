// Ties deployment files to the code: which source file a `dist/...js` path is built from, and
// whether a shipped config file (plus its environment) passes the program's own config schema.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { loadConfig } from '../../lib/config/load.js';
import { ConfigError } from '../../lib/errors.js';
import { ROOT, type DeployModel } from './deploy-model.js';

/** Where the image (WORKDIR) and the VM install (systemd units) put the package. */
export const INSTALL_ROOT = '/opt/plexus';

/** The programs the deployment runs, by their source entry point. */
export const PROGRAMS = {
  registry: 'services/registry/main.ts',
  policy: 'services/policy/main.ts',
  'config-push': 'services/config-push/main.ts',
  identity: 'services/identity/main.ts',
  proxy: 'proxy/main.ts',
} as const;

export type Program = keyof typeof PROGRAMS;

/** Config schema of each program: module (relative to the repository) and export name. */
const SCHEMAS: Record<Program, { module: string; exportName: string }> = {
  registry: { module: 'services/registry/config.ts', exportName: 'registryConfigSchema' },
  policy: { module: 'services/policy/config.ts', exportName: 'policyConfigSchema' },
  'config-push': { module: 'services/config-push/config.ts', exportName: 'configPushConfigSchema' },
  identity: { module: 'services/identity/config.ts', exportName: 'identityConfigSchema' },
  proxy: { module: 'proxy/config/proxy-config.ts', exportName: 'proxyConfigSchema' },
};

/**
 * The source a deployed JavaScript path is compiled from, following tsconfig's outDir/rootDir
 * (`/opt/plexus/dist/services/registry/main.js` → `services/registry/main.ts`), or a reason why
 * the build cannot emit it.
 */
export function sourceOf(deployedPath: string, build: DeployModel['build']): { source: string } | { problem: string } {
  const prefix = `${posix.join(INSTALL_ROOT, build.outDir)}/`;
  if (!deployedPath.startsWith(prefix)) return { problem: `${deployedPath} is not under ${prefix} (tsconfig outDir is "${build.outDir}")` };
  if (!deployedPath.endsWith('.js')) return { problem: `${deployedPath} is not a .js file` };
  const source = posix.normalize(posix.join(build.rootDir, deployedPath.slice(prefix.length).replace(/\.js$/, '.ts')));
  if (!existsSync(join(ROOT, source))) return { problem: `${deployedPath} would be built from ${source}, which does not exist` };
  return { source };
}

/** Which program a source entry point is, if it is one. */
export function programOf(source: string): Program | undefined {
  return (Object.keys(PROGRAMS) as Program[]).find((p) => PROGRAMS[p] === source);
}

/** Every JavaScript path under the install root in an argv. */
export function deployedScripts(argv: string[]): string[] {
  return argv.filter((a) => a.startsWith(`${INSTALL_ROOT}/`) && a.endsWith('.js'));
}

async function schemaOf(program: Program): Promise<z.ZodType> {
  const { module, exportName } = SCHEMAS[program];
  if (!existsSync(join(ROOT, module))) throw new Error(`${module} does not exist (expected to export ${exportName})`);
  const mod = (await import(pathToFileURL(join(ROOT, module)).href)) as Record<string, unknown>;
  const schema = mod[exportName] as z.ZodType | undefined;
  if (!schema || typeof schema.safeParse !== 'function') throw new Error(`${module} does not export a zod schema ${exportName}`);
  return schema;
}

/**
 * Loads `configText` with `env` exactly as the program does at start-up (lib/config/load.ts) and
 * returns the resulting config, or every violation as `field: message`.
 */
export async function loadShippedConfig(
  program: Program,
  configText: string | undefined,
  env: Record<string, string>,
): Promise<{ config: Record<string, unknown> } | { problems: string[] }> {
  let schema: z.ZodType;
  try {
    schema = await schemaOf(program);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'plexus-deploy-config-'));
  try {
    const file = join(dir, 'config.yaml');
    if (configText !== undefined) writeFileSync(file, configText);
    const config = loadConfig(schema, { ...(configText === undefined ? {} : { file }), env }) as Record<string, unknown>;
    return { config };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.violations.map((v) => `${v.path}: ${v.message}`) };
    return { problems: [(err as Error).message] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
