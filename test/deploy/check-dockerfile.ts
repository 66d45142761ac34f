// Rules for the Dockerfile, checked by reading since no Docker engine runs here: it builds with
// the package scripts, ships what the programs load at run time, and runs them as non-root.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { DEFAULT_PORTS } from '../../lib/config/service.js';
import { PROTO_ROOT } from '../../lib/grpc/proto.js';
import { INSTALL_ROOT, deployedScripts, sourceOf } from './build-outputs.js';
import { PROXY_PORTS } from './check-kubernetes.js';
import { ROOT, type DeployModel } from './deploy-model.js';
import { imageCommand, lastOf, type Stage } from './dockerfile.js';

export const BASE_IMAGE = 'node:20-bookworm-slim';

const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

/** Where the compiled lib/grpc/proto.js looks for .proto files, relative to the install root. */
export function protoDirInBuild(model: DeployModel): string {
  const fromModule = relative(join(ROOT, 'lib', 'grpc'), PROTO_ROOT);
  return posix.normalize(posix.join(model.build.outDir, 'lib', 'grpc', fromModule.split('\\').join('/')));
}

export function checkDockerfile(model: DeployModel): string[] {
  const problems: string[] = [];
  const df = model.dockerfile;
  const where = 'Dockerfile';
  if (df.stages.length < 2) return [`${where}: must be multi-stage (build, then a runtime stage without dev dependencies)`];
  for (const s of df.stages) if (s.from !== BASE_IMAGE && !df.stages.some((x) => x.name === s.from)) problems.push(`${where}: stage base ${s.from} is not ${BASE_IMAGE}`);
  const engines = /(\d+)/.exec(model.packageJson.engines?.node ?? '');
  if (engines && Number(engines[1]) > 20) problems.push(`${where}: node 20 base image is older than package.json engines ${model.packageJson.engines?.node}`);

  const final = df.stages[df.stages.length - 1]!;
  const build = df.stages.slice(0, -1);
  const buildRuns = build.flatMap(runs).join('\n');
  if (!/\bnpm ci\b/.test(buildRuns)) problems.push(`${where}: the build stage must install with npm ci (lockfile-exact)`);
  if (!/\bnpm run build\b/.test(buildRuns)) problems.push(`${where}: the build stage must run npm run build`);
  if (!/\bnpm prune\b[^\n&;]*--omit=dev/.test(buildRuns) && !/\bnpm ci\b[^\n&;]*--omit=dev/.test(runs(final).join('\n'))) {
    problems.push(`${where}: dev dependencies must be pruned (npm prune --omit=dev)`);
  }
  for (const m of df.stages.flatMap(runs).join('\n').matchAll(/\bnpm run ([\w:-]+)/g)) {
    if (!model.packageJson.scripts[m[1]!]) problems.push(`${where}: runs npm run ${m[1]}, which package.json does not define`);
  }
  if (!/^tsc\b/.test(model.packageJson.scripts.build ?? '')) problems.push(`package.json: "build" is not tsc; the dist/ paths checked here assume tsc's outDir (${model.build.outDir})`);

  // lib/grpc/proto.ts resolves .proto files next to the compiled code; tsc does not copy them.
  const protoDir = protoDirInBuild(model);
  const copiesProto =
    new RegExp(`\\bcp\\s+(-\\w+\\s+)*(\\./)?proto(/\\.?)?\\s+(\\./)?${protoDir}/?(\\s|$)`, 'm').test(buildRuns) ||
    df.stages.some((s) => s.instructions.some((i) => i.op === 'COPY' && /(^|\s)proto\/?\s/.test(i.args) && i.args.trim().endsWith(protoDir)));
  if (!copiesProto) problems.push(`${where}: the .proto files must end up in ${protoDir} (lib/grpc/proto.ts loads them from ../../proto of the compiled module)`);

  if (lastOf(final, 'WORKDIR')?.args !== INSTALL_ROOT) problems.push(`${where}: the runtime WORKDIR must be ${INSTALL_ROOT}`);
  const copies = final.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
  const copied = (what: RegExp): boolean => copies.some((c) => what.test(c));
  if (!copied(/(^|\s)\S*dist\/?\s+(\.\/|\/opt\/plexus\/)dist\/?$/)) problems.push(`${where}: the runtime stage must copy the build's dist/ to ${INSTALL_ROOT}/dist`);
  if (!copied(/node_modules/)) problems.push(`${where}: the runtime stage must copy the pruned node_modules`);
  // "type": "module" in package.json is what makes node load dist/**/*.js as ES modules.
  if (!copied(/package\.json/)) problems.push(`${where}: the runtime stage must copy package.json (its "type": "module" applies to dist/)`);
  const user = lastOf(final, 'USER')?.args;
  const uid = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (!uid || uid[1] === '0') problems.push(`${where}: the runtime USER must be a numeric non-root uid (Kubernetes runAsNonRoot can only verify numbers), is ${user ?? 'unset'}`);

  let command;
  try {
    command = imageCommand(df);
  } catch (err) {
    return [...problems, (err as Error).message];
  }
  if (command.entrypoint[0] !== 'node') problems.push(`${where}: ENTRYPOINT must start with node (manifests and docs pass only the script)`);
  const scripts = deployedScripts([...command.entrypoint, ...command.cmd]);
  if (scripts.length !== 1) problems.push(`${where}: the default command must run one ${INSTALL_ROOT}/... script`);
  for (const s of scripts) {
    const r = sourceOf(s, model.build);
    if ('problem' in r) problems.push(`${where}: ${r.problem}`);
  }
  // Every script named in the header comment must exist too: people copy those lines.
  for (const m of readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/\/opt\/plexus\/[\w./-]*?\.js(?!\w)/g)) {
    const r = sourceOf(m[0], model.build);
    if ('problem' in r) problems.push(`${where}: ${r.problem}`);
  }

  const exposed = new Set(final.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0]))));
  const wanted = [...Object.values(DEFAULT_PORTS).flatMap((p) => [p.grpc, p.admin]), ...Object.values(PROXY_PORTS)];
  for (const p of wanted) if (!exposed.has(p)) problems.push(`${where}: does not EXPOSE ${p}`);
  return problems;
}

/** .dockerignore patterns (as Docker matches them: path globs from the context root). */
function ignored(patterns: string[], path: string): boolean {
  let result = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${pattern
        .split('**')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('.*')}(/.*)?$`,
    );
    if (re.test(path)) result = !negate;
  }
  return result;
}

export function checkDockerignore(model: DeployModel): string[] {
  const problems: string[] = [];
  for (const p of ['node_modules', 'dist', '.git']) {
    if (!ignored(model.dockerignore, p)) problems.push(`.dockerignore: must exclude ${p} (the image installs and builds its own)`);
  }
  // Everything `npm ci` and `npm run build` (tsc over tsconfig's include) need, plus the protos.
  const include = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include?: string[] }).include ?? [];
  for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'proto', ...include]) {
    if (ignored(model.dockerignore, p)) problems.push(`.dockerignore: excludes ${p}, which the build needs`);
  }
  return problems;
}

/** Modules a TypeScript file loads at run time (type-only imports are erased by tsc). */
export function runtimeImports(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

const packageName = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/**
 * Follows imports from each entry point through everything the deployed programs load. The
 * image deletes dist/test and dist/bench and prunes devDependencies, so nothing reached may live
 * in test/ or bench/, and every package reached must be a runtime dependency.
 */
export function checkRuntimeImports(entryPoints: string[], dependencies: Record<string, string>): { problems: string[]; visited: number } {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = entryPoints.map((e) => ({ file: resolve(ROOT, e), via: e }));
  while (queue.length > 0) {
    const { file, via } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      problems.push(`${via}: cannot read ${relative(ROOT, file)}`);
      continue;
    }
    const from = via.split(' → ')[0];
    for (const spec of runtimeImports(text)) {
      if (!spec.startsWith('.')) {
        const name = packageName(spec);
        if (!spec.startsWith('node:') && !builtinModules.includes(name) && dependencies[name] === undefined) {
          problems.push(`${relative(ROOT, file)} imports ${spec}, which is not in package.json "dependencies" (npm prune --omit=dev removes it); reached from ${from}`);
        }
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const rel = relative(ROOT, target);
      if (/^(test|bench)(\/|$)/.test(rel)) {
        problems.push(`${relative(ROOT, file)} imports ${spec} (${rel}), which the image does not ship; reached from ${from}`);
        continue;
      }
      if (target.endsWith('.ts')) queue.push({ file: target, via: `${via} → ${rel}` });
    }
  }
  return { problems, visited: seen.size };
}
