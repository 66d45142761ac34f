// Loads everything under deploy/ plus the Dockerfile and the build settings into one plain,
// cloneable model, so the checks are pure functions of it and a test can break a copy to prove
// that each check fails when it should.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { parseDockerfile, type Dockerfile } from './dockerfile.js';
import type { K8sObject } from './k8s-objects.js';
import { parseUnit, type UnitFile } from './systemd-unit.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KUBE_DIR = 'deploy/kubernetes';
export const SYSTEMD_DIR = 'deploy/systemd';

export interface Kustomization {
  /** Folder of the kustomization.yaml, relative to the repository. */
  dir: string;
  namespace?: string;
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

export interface DeployModel {
  /** Kubernetes objects from every manifest under deploy/kubernetes (deps/ holds Helm values, not objects). */
  objects: K8sObject[];
  /** Every YAML file under deploy/kubernetes, relative path → documents. */
  yamlFiles: Record<string, unknown[]>;
  kustomizations: Kustomization[];
  /** deploy/kubernetes/deps/<file> → parsed Helm values. */
  helmValues: Record<string, Record<string, unknown>>;
  /** Unit file name → parsed unit. */
  units: Record<string, UnitFile>;
  /** Every other file under deploy/systemd, relative path → text. */
  systemdFiles: Record<string, string>;
  dockerfile: Dockerfile;
  dockerignore: string[];
  packageJson: { version: string; scripts: Record<string, string>; dependencies: Record<string, string>; engines?: { node?: string } };
  /** tsconfig.json compilerOptions that decide where `npm run build` writes. */
  build: { outDir: string; rootDir: string };
  readme: string;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) walk(rel, out);
    else out.push(rel);
  }
  return out;
}

const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

/** Every non-empty document of a multi-document YAML file; any error or warning throws, naming the file. */
export function parseYamlDocuments(file: string, text: string): unknown[] {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) throw new Error(`${file}: ${problems.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export function loadDeployModel(): DeployModel {
  const yamlFiles: Record<string, unknown[]> = {};
  const objects: K8sObject[] = [];
  const kustomizations: Kustomization[] = [];
  const helmValues: Record<string, Record<string, unknown>> = {};

  for (const file of walk(KUBE_DIR).filter((f) => /\.ya?ml$/.test(f))) {
    const values = parseYamlDocuments(file, read(file));
    yamlFiles[file] = values;
    if (file.startsWith(`${KUBE_DIR}/deps/`)) {
      if (values.length !== 1 || typeof values[0] !== 'object') throw new Error(`${file}: expected one mapping of Helm values`);
      helmValues[relative(`${KUBE_DIR}/deps`, file)] = values[0] as Record<string, unknown>;
      continue;
    }
    values.forEach((value, index) => {
      const v = value as Record<string, unknown>;
      if (v.kind === 'Kustomization') kustomizations.push({ ...(v as Omit<Kustomization, 'dir'>), dir: dirname(file) });
      else objects.push({ ...(v as unknown as K8sObject), __file: `${file}#${index + 1}` });
    });
  }

  const units: Record<string, UnitFile> = {};
  const systemdFiles: Record<string, string> = {};
  for (const file of walk(SYSTEMD_DIR)) {
    const name = relative(SYSTEMD_DIR, file);
    if (/\.(service|socket|timer|target)$/.test(name) && !name.includes('/')) units[name] = parseUnit(read(file), file);
    else systemdFiles[name] = read(file);
  }

  const tsconfig = ts.parseConfigFileTextToJson('tsconfig.json', read('tsconfig.json'));
  if (tsconfig.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(tsconfig.error.messageText, '\n')}`);
  const options = (tsconfig.config as { compilerOptions?: { outDir?: string; rootDir?: string } }).compilerOptions ?? {};

  return {
    objects,
    yamlFiles,
    kustomizations,
    helmValues,
    units,
    systemdFiles,
    dockerfile: parseDockerfile(read('Dockerfile')),
    dockerignore: read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
    packageJson: JSON.parse(read('package.json')) as DeployModel['packageJson'],
    build: { outDir: options.outDir ?? '', rootDir: options.rootDir ?? '' },
    readme: read('deploy/README.md'),
  };
}
