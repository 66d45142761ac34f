// The production-topology files (deploy/kubernetes, deploy/systemd, Dockerfile) are checked
// against the code they run: entry points the build emits, default ports, config schemas,
// probes on the admin server, and against each other (selectors, references, chart values).
// No cluster, systemd or Docker engine is needed; `systemd-analyze verify` runs when present.
// The last suite breaks copies of the real files to show that every kind of check can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import { checkDockerfile, checkDockerignore, checkRuntimeImports, runtimeImports } from './check-dockerfile.js';
import { checkControlPlane, checkKustomizations, checkObjects, checkWorkloads } from './check-kubernetes.js';
import { checkSidecarExample } from './check-sidecar.js';
import { EXAMPLE_PROXY_INSTANCE, UNITS, checkSystemd } from './check-systemd.js';
import { KUBE_DIR, ROOT, SYSTEMD_DIR, loadDeployModel, parseYamlDocuments, type DeployModel } from './deploy-model.js';
import type { DeploymentSpec, K8sObject } from './k8s-objects.js';
import { parseUnit } from './systemd-unit.js';
import { PROGRAMS } from './build-outputs.js';

const noProblems = (problems: string[]): void => assert.deepEqual(problems, [], `\n${problems.join('\n')}`);

let model: DeployModel;
before(() => {
  model = loadDeployModel();
});

void describe('deploy/kubernetes', () => {
  void test('every YAML file parses and holds at least one document', () => {
    const files = Object.keys(model.yamlFiles);
    assert.ok(files.length >= 8, `expected the manifests, deps and examples, found ${files.join(', ')}`);
    for (const f of files) assert.ok(model.yamlFiles[f]!.length > 0, `${f} is empty`);
    assert.deepEqual(Object.keys(model.helmValues).sort(), ['etcd-values.yaml', 'nats-values.yaml']);
  });

  void test('objects have apiVersion, kind, name, a defined namespace, and are unique', () => {
    noProblems(checkObjects(model));
  });

  void test('kustomization.yaml applies every manifest beside it, with the package version as image tag', () => {
    noProblems(checkKustomizations(model));
  });

  void test('Deployments: selectors, resources, restricted security context, references, PDBs, entry points', () => {
    noProblems(checkWorkloads(model));
  });

  void test('control plane: 2 replicas, default ports, probes on the admin port, config accepted by each schema', async () => {
    noProblems(await checkControlPlane(model));
  });

  void test('sidecar example: proxy ports, probes, control-plane addresses that resolve, Service to inbound', async () => {
    noProblems(await checkSidecarExample(model));
  });
});

void describe('deploy/systemd', () => {
  void test('units run the built entry points with their example config, restart on failure, hardened', async () => {
    noProblems(await checkSystemd(model));
  });

  void test('systemd-analyze verify accepts every unit', (t) => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      t.skip('systemd-analyze is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'plexus-units-'));
    try {
      for (const { unit } of Object.values(UNITS)) {
        // A template is verified as one of its instances.
        const name = unit.replace('@.', `@${EXAMPLE_PROXY_INSTANCE}.`);
        copyFileSync(join(ROOT, SYSTEMD_DIR, unit), join(dir, name));
        const r = spawnSync('systemd-analyze', ['verify', join(dir, name)], { encoding: 'utf8', cwd: dir });
        assert.equal(r.status, 0, `${unit}: ${r.stderr}`);
        assert.equal(r.stderr.trim(), '', `${unit}: systemd-analyze verify warned:\n${r.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('Dockerfile', () => {
  void test('multi-stage on node:20-bookworm-slim, npm ci + npm run build + prune, non-root, built paths', () => {
    noProblems(checkDockerfile(model));
  });

  void test('.dockerignore keeps local builds out and everything the build needs in', () => {
    noProblems(checkDockerignore(model));
  });

  void test('deployed programs load nothing from test/, bench/ or devDependencies (the image drops them)', () => {
    const { problems, visited } = checkRuntimeImports([...Object.values(PROGRAMS), 'cli/plexctl/main.ts'], model.packageJson.dependencies);
    noProblems(problems);
    // The walk follows imports: it must reach well beyond the entry points themselves.
    assert.ok(visited > 50, `the import walk reached only ${visited} modules`);
  });
});

void describe('deploy/README.md', () => {
  void test('explains each folder and gives the Helm commands with the values files', () => {
    for (const needle of [
      'deploy/kubernetes', 'deploy/systemd', 'deploy/local', 'Dockerfile',
      'helm install etcd', 'helm install nats', `${KUBE_DIR}/deps/etcd-values.yaml`, `${KUBE_DIR}/deps/nats-values.yaml`,
      'plexus-policy-tokens', 'kubectl apply -k deploy/kubernetes',
    ]) {
      assert.ok(model.readme.includes(needle), `deploy/README.md does not mention ${needle}`);
    }
  });
});

// --- The checks above must fail when a file breaks. ---

function object(m: DeployModel, kind: string, name: string): K8sObject {
  const o = m.objects.find((x) => x.kind === kind && x.metadata?.name === name);
  assert.ok(o, `${kind} ${name} not found`);
  return o;
}

function container(m: DeployModel, deployment: string, name: string) {
  const pod = (object(m, 'Deployment', deployment).spec as DeploymentSpec).template!.spec!;
  const c = [...(pod.initContainers ?? []), ...(pod.containers ?? [])].find((x) => x.name === name);
  assert.ok(c, `container ${name} not in ${deployment}`);
  return c;
}

function editConfigMap(m: DeployModel, name: string, edit: (text: string) => string): void {
  const cm = object(m, 'ConfigMap', name);
  cm.data = { ...cm.data, 'config.yaml': edit(cm.data!['config.yaml']!) };
}

function editUnit(m: DeployModel, unit: string, edit: (text: string) => string): void {
  const text = serializeUnit(m, unit);
  m.units[unit] = parseUnit(edit(text), unit);
}

function serializeUnit(m: DeployModel, unit: string): string {
  return [...m.units[unit]!.sections].map(([s, kv]) => `[${s}]\n${kv.map((a) => `${a.key}=${a.value}`).join('\n')}`).join('\n\n');
}

async function problemsAfter(mutate: (m: DeployModel) => void): Promise<string[]> {
  const m = structuredClone(model);
  mutate(m);
  return [
    ...checkObjects(m), ...checkKustomizations(m), ...checkWorkloads(m), ...(await checkControlPlane(m)),
    ...(await checkSidecarExample(m)), ...(await checkSystemd(m)), ...checkDockerfile(m),
  ];
}

void describe('the checks catch broken files', () => {
  const cases: Array<{ name: string; mutate: (m: DeployModel) => void; expect: RegExp }> = [
    {
      name: 'readiness probe removed from the registry',
      mutate: (m) => delete container(m, 'plexus-registry', 'registry').readinessProbe,
      expect: /plexus-registry.*readinessProbe must GET \/readyz on the admin port 7111/,
    },
    {
      name: 'liveness probe on the gRPC port',
      mutate: (m) => (container(m, 'plexus-policy', 'policy').livenessProbe!.httpGet!.port = 'grpc'),
      expect: /plexus-policy.*livenessProbe must GET \/healthz/,
    },
    {
      name: 'admin port in the ConfigMap differs from the default',
      mutate: (m) => editConfigMap(m, 'plexus-config-push-config', (t) => t.replace('port: 7113', 'port: 9113')),
      expect: /config admin\.port 9113 ≠ 7113/,
    },
    {
      name: 'admin server bound to loopback',
      mutate: (m) => editConfigMap(m, 'plexus-registry-config', (t) => t.replace(/admin:\n {2}host: 0\.0\.0\.0/, 'admin:\n  host: 127.0.0.1')),
      expect: /admin\.host 127\.0\.0\.1 is loopback/,
    },
    {
      name: 'registry config without tls',
      mutate: (m) => editConfigMap(m, 'plexus-registry-config', (t) => t.replace(/tls:\n(?: {2}.*\n)+/, '')),
      expect: /plexus-registry.*no tls section/,
    },
    {
      name: 'config-push switched to plaintext',
      mutate: (m) => editConfigMap(m, 'plexus-config-push-config', (t) => `${t}insecure: true\n`),
      expect: /plexus-config-push.*insecure: true/,
    },
    {
      name: 'admin port exposed by a Service',
      mutate: (m) => {
        const svc = m.objects.find((o) => o.kind === 'Service' && o.metadata?.name === 'plexus-policy')!;
        (svc.spec as { ports: unknown[] }).ports.push({ name: 'admin', port: 7112, targetPort: 'admin' });
      },
      expect: /plexus-policy \(.*\): must not expose the admin port 7112/,
    },
    {
      name: 'memory store in production',
      mutate: (m) => editConfigMap(m, 'plexus-registry-config', (t) => t.replace(/store:\n(?: {2}.*\n)+/, 'store:\n  backend: memory\n')),
      expect: /store\.backend memory cannot be shared/,
    },
    {
      name: 'a misspelt config field',
      mutate: (m) => editConfigMap(m, 'plexus-policy-config', (t) => `${t}logLevle: debug\n`),
      expect: /config rejected by policy's schema/,
    },
    {
      name: 'etcd chart scaled without updating the endpoints',
      mutate: (m) => (m.helmValues['etcd-values.yaml']!.replicaCount = 5),
      expect: /store\.endpoints .* ≠ the members deps\/etcd-values\.yaml creates/,
    },
    {
      name: 'etcd chart shrunk to one member',
      mutate: (m) => (m.helmValues['etcd-values.yaml']!.replicaCount = 1),
      expect: /replicaCount 1: a production store is an odd cluster of at least 3/,
    },
    {
      name: 'NATS chart without a cluster',
      mutate: (m) => ((m.helmValues['nats-values.yaml'] as { config: { cluster: { enabled: boolean } } }).config.cluster.enabled = false),
      expect: /nats-values\.yaml must enable config\.cluster with at least 3 replicas/,
    },
    {
      name: 'a NATS server missing from a ConfigMap',
      mutate: (m) => editConfigMap(m, 'plexus-config-push-config', (t) => t.replace(/ *- nats:\/\/nats-2\..*\n/, '')),
      expect: /bus\.servers .* ≠ the servers deps\/nats-values\.yaml creates/,
    },
    {
      name: 'systemd example with one etcd member',
      mutate: (m) => (m.systemdFiles['etc/plexus/policy.yaml'] = m.systemdFiles['etc/plexus/policy.yaml']!.replace(/ *- http:\/\/10\.0\.0\.1[23]:2379\n/g, '')),
      expect: /policy\.yaml: the store lists 1 member\(s\)/,
    },
    {
      name: 'systemd examples disagreeing on the NATS servers',
      mutate: (m) => (m.systemdFiles['etc/plexus/config-push.yaml'] = m.systemdFiles['etc/plexus/config-push.yaml']!.replace('nats://10.0.0.13:4222', 'nats://10.0.0.14:4222')),
      expect: /\.yaml: store\/bus members .*nats:\/\/10\.0\.0\.1[34]:4222.* ≠ deploy\/systemd\/etc\/plexus\/\S+\.yaml's/,
    },
    {
      name: 'PodDisruptionBudget deleted',
      mutate: (m) => (m.objects = m.objects.filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata?.name === 'plexus-config-push'))),
      expect: /plexus-config-push.*expected one PodDisruptionBudget/,
    },
    {
      name: 'PodDisruptionBudget that blocks every eviction',
      mutate: (m) => ((object(m, 'PodDisruptionBudget', 'plexus-registry').spec as { minAvailable: number }).minAvailable = 2),
      expect: /must allow one of 2 pods to be evicted/,
    },
    {
      name: 'Service selector typo',
      mutate: (m) => ((object(m, 'Service', 'plexus-policy').spec as { selector: Record<string, string> }).selector['app.kubernetes.io/name'] = 'plexus-polcy'),
      expect: /Service plexus-system\/plexus-policy .*selector must match exactly one Deployment/,
    },
    {
      name: 'Secret key renamed',
      mutate: (m) => {
        const s = object(m, 'Secret', 'plexus-policy-tokens');
        s.stringData = { 'tokens.yaml': s.stringData!['tokens.json']! };
      },
      expect: /Secret plexus-policy-tokens has no key tokens\.json/,
    },
    {
      name: 'entry point the build does not emit',
      mutate: (m) => (container(m, 'plexus-registry', 'registry').args![0] = '/opt/plexus/dist/services/registry/server.js'),
      expect: /services\/registry\/server\.ts, which does not exist/,
    },
    {
      name: 'image tag out of step with package.json',
      mutate: (m) => (container(m, 'plexus-config-push', 'config-push').image = 'plexus:0.0.9'),
      expect: /image plexus:0\.0\.9 must be plexus:/,
    },
    {
      name: 'container allowed to write its root file system',
      mutate: (m) => (container(m, 'plexus-registry', 'registry').securityContext!.readOnlyRootFilesystem = false),
      expect: /readOnlyRootFilesystem is not true/,
    },
    {
      name: 'sidecar pointed at a port config-push does not serve',
      mutate: (m) => {
        const e = container(m, 'catalog', 'plexus-proxy').env!.find((x) => x.value?.includes('plexus-config-push'))!;
        e.value = e.value!.replace(':7103', ':7113');
      },
      expect: /controlPlane\.configPush plexus-config-push\.plexus-system\.svc\.cluster\.local:7113 is not/,
    },
    {
      name: 'sidecar in another cluster than the control plane',
      mutate: (m) => (container(m, 'catalog', 'plexus-proxy').env!.find((x) => x.name === 'PLEXUS_CLUSTER')!.value = 'other'),
      expect: /config cluster other ≠ the control plane's cluster main/,
    },
    {
      name: 'sidecar admin port only on loopback (kubelet probes fail)',
      mutate: (m) => (container(m, 'catalog', 'plexus-proxy').env = container(m, 'catalog', 'plexus-proxy').env!.filter((x) => x.name !== 'PLEXUS_ADMIN__HOST')),
      expect: /config admin\.host 127\.0\.0\.1 is loopback/,
    },
    {
      name: 'app Service bypassing the sidecar',
      mutate: (m) => ((object(m, 'Service', 'catalog').spec as { ports: Array<{ targetPort: unknown }> }).ports[0]!.targetPort = 8080),
      expect: /must target the proxy's inbound port 15006|targets 8080, which no container declares/,
    },
    {
      name: 'systemd ExecStart path that is not built',
      mutate: (m) => editUnit(m, 'plexus-config-push.service', (t) => t.replace('dist/services/config-push/main.js', 'dist/config-push/main.js')),
      expect: /config-push\/main\.ts, which does not exist/,
    },
    {
      name: 'systemd unit with MemoryDenyWriteExecute',
      mutate: (m) => editUnit(m, 'plexus-registry.service', (t) => t.replace('[Service]', '[Service]\nMemoryDenyWriteExecute=yes')),
      expect: /MemoryDenyWriteExecute=yes breaks V8/,
    },
    {
      name: 'systemd unit running as root',
      mutate: (m) => editUnit(m, 'plexus-policy.service', (t) => t.replace('User=plexus', 'User=root')),
      expect: /plexus-policy\.service: needs a dedicated non-root User=/,
    },
    {
      name: 'systemd proxy example pointing at the admin port of the registry',
      mutate: (m) => (m.systemdFiles['etc/plexus/proxy-catalog.yaml'] = m.systemdFiles['etc/plexus/proxy-catalog.yaml']!.replace('10.0.0.11:7101', '10.0.0.11:7111')),
      expect: /proxy-catalog\.yaml: controlPlane\.registry 10\.0\.0\.11:7111 is not on the registry's gRPC port 7101/,
    },
    {
      name: 'systemd example config with a bad value',
      mutate: (m) => (m.systemdFiles['etc/plexus/registry.yaml'] = m.systemdFiles['etc/plexus/registry.yaml']!.replace('logLevel: info', 'logLevel: loud')),
      expect: /registry\.yaml: rejected by registry's schema: logLevel/,
    },
    {
      name: 'Dockerfile running as root',
      mutate: (m) => m.dockerfile.stages.at(-1)!.instructions.push({ op: 'USER', args: 'root', line: 0 }),
      expect: /runtime USER must be a numeric non-root uid/,
    },
    {
      name: 'Dockerfile without the proto copy',
      mutate: (m) => {
        for (const s of m.dockerfile.stages) s.instructions = s.instructions.filter((i) => !/\bcp\b.*\bproto\b/.test(i.args));
      },
      expect: /\.proto files must end up in dist\/proto/,
    },
    {
      name: 'Dockerfile default command the build does not emit',
      mutate: (m) => m.dockerfile.stages.at(-1)!.instructions.push({ op: 'CMD', args: JSON.stringify(['/opt/plexus/dist/registry.js']), line: 0 }),
      expect: /dist\/registry\.js would be built from registry\.ts/,
    },
  ];

  for (const c of cases) {
    void test(c.name, async () => {
      const problems = await problemsAfter(c.mutate);
      assert.ok(problems.some((p) => c.expect.test(p)), `expected a problem matching ${c.expect}, got:\n${problems.join('\n') || '(none)'}`);
    });
  }

  void test('a deployed program importing the test harness or a devDependency', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-imports-'));
    try {
      const entry = join(dir, 'main.ts');
      const harness = relative(dir, join(ROOT, 'test', 'harness', 'index.js'));
      writeFileSync(entry, `import type { X } from './types.js';\nimport ts from 'typescript';\nimport { z } from 'zod';\nimport { readFileSync } from 'node:fs';\nimport { startEtcd } from '${harness}';\n`);
      const { problems } = checkRuntimeImports([entry], model.packageJson.dependencies);
      assert.equal(problems.length, 2, problems.join('\n'));
      assert.match(problems[0]!, /imports typescript, which is not in package\.json "dependencies"/);
      assert.match(problems[1]!, /imports .*test\/harness\/index\.js .*which the image does not ship/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(
      runtimeImports("import type { A } from './a.js';\nexport { b } from './b.js';\nimport './c.js';\nconst d = await import('./d.js');"),
      ['./b.js', './c.js', './d.js'],
    );
  });

  void test('a manifest that is not valid YAML is reported with its file', () => {
    assert.throws(() => parseYamlDocuments('deploy/kubernetes/broken.yaml', 'spec:\n  ports: [1, 2\n  selector: {}\n'), /deploy\/kubernetes\/broken\.yaml/);
    assert.throws(() => parseYamlDocuments('deploy/kubernetes/dup.yaml', 'kind: Service\nkind: Deployment\n'), /dup\.yaml/);
  });
});
