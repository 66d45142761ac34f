// Rules for deploy/systemd: one unit per program, running what `npm run build` emits, with the
// config files shipped beside them accepted by each program's own schema, and hardened.
import { DEFAULT_PORTS, type ServiceName } from '../../lib/config/service.js';
import { INSTALL_ROOT, deployedScripts, loadShippedConfig, programOf, sourceOf, type Program } from './build-outputs.js';
import type { DeployModel } from './deploy-model.js';
import { flagValue } from './k8s-objects.js';
import { parseEnvFile, splitCommand, unitHas, unitValue, unitValues, type UnitFile } from './systemd-unit.js';

/** The instance the shipped proxy example is for (`plexus-proxy@catalog`). */
export const EXAMPLE_PROXY_INSTANCE = 'catalog';

/** Unit file, and the base name of its /etc/plexus files (`%i` is the template instance). */
export const UNITS: Record<Program, { unit: string; name: string }> = {
  registry: { unit: 'plexus-registry.service', name: 'registry' },
  policy: { unit: 'plexus-policy.service', name: 'policy' },
  'config-push': { unit: 'plexus-config-push.service', name: 'config-push' },
  identity: { unit: 'plexus-identity.service', name: 'identity' },
  proxy: { unit: 'plexus-proxy@.service', name: 'proxy-%i' },
};

const YES = new Set(['yes', 'true', 'on', '1']);

/** Seconds of a systemd time span such as `30s`, `1min 30s` or `45`. */
export function seconds(span: string | undefined): number | undefined {
  if (span === undefined) return undefined;
  const units: Record<string, number> = { '': 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  const parts = span.trim().split(/\s+/);
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(p);
    if (!m || units[m[2]!] === undefined) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
  }
  return total;
}

/** Expands the specifiers our units use, as systemd would on host `host1` for the example instance. */
function expand(value: string): string {
  return value.replaceAll('%H', 'host1').replaceAll('%i', EXAMPLE_PROXY_INSTANCE).replaceAll('%%', '%');
}

function sysusers(model: DeployModel): Set<string> {
  const users = new Set<string>();
  for (const [file, text] of Object.entries(model.systemdFiles)) {
    if (!file.startsWith('sysusers.d/')) continue;
    for (const line of text.split('\n')) {
      const m = /^u\s+(\S+)/.exec(line.trim());
      if (m) users.add(m[1]!);
    }
  }
  return users;
}

function checkHardening(where: string, unit: UnitFile): string[] {
  const problems: string[] = [];
  const flag = (key: string, allowed: string[]): void => {
    const v = unitValue(unit, 'Service', key);
    if (v === undefined || !allowed.includes(v)) problems.push(`${where}: ${key}= must be ${allowed.join(' or ')} (is ${v ?? 'unset'})`);
  };
  flag('NoNewPrivileges', ['yes', 'true']);
  flag('ProtectSystem', ['strict']);
  flag('ProtectHome', ['yes', 'true', 'read-only', 'tmpfs']);
  flag('PrivateTmp', ['yes', 'true']);
  flag('PrivateDevices', ['yes', 'true']);
  if (!unitHas(unit, 'Service', 'CapabilityBoundingSet') || unitValues(unit, 'Service', 'CapabilityBoundingSet').length > 0) {
    problems.push(`${where}: CapabilityBoundingSet= must be empty (no capabilities needed: all ports are above 1024)`);
  }
  const families = unitValues(unit, 'Service', 'RestrictAddressFamilies').join(' ').split(/\s+/);
  for (const f of ['AF_INET', 'AF_INET6']) if (!families.includes(f)) problems.push(`${where}: RestrictAddressFamilies= must allow ${f}`);
  // V8 compiles to memory it then executes; with this set, node dies at start-up.
  if (YES.has(unitValue(unit, 'Service', 'MemoryDenyWriteExecute') ?? '')) problems.push(`${where}: MemoryDenyWriteExecute=yes breaks V8's JIT`);
  return problems;
}

export async function checkSystemd(model: DeployModel): Promise<string[]> {
  const problems: string[] = [];
  const users = sysusers(model);
  // Control-plane clusters, by program; the proxy example (checked last) must join the same one.
  const clusters = new Map<Program, string | undefined>();
  let firstBackends: { file: string; backends: string } | undefined;
  for (const [program, { unit: file, name }] of Object.entries(UNITS) as Array<[Program, (typeof UNITS)[Program]]>) {
    const unit = model.units[file];
    const where = `deploy/systemd/${file}`;
    if (!unit) {
      problems.push(`${where} is missing`);
      continue;
    }
    for (const s of ['Unit', 'Service', 'Install']) if (!unit.sections.has(s)) problems.push(`${where}: no [${s}] section`);
    if (!unitValue(unit, 'Unit', 'Description')) problems.push(`${where}: no Description=`);
    if (!unitValues(unit, 'Install', 'WantedBy').includes('multi-user.target')) problems.push(`${where}: not WantedBy=multi-user.target`);
    if (!['simple', 'exec', undefined].includes(unitValue(unit, 'Service', 'Type'))) problems.push(`${where}: Type= must be simple or exec (the programs do not fork or notify)`);
    const user = unitValue(unit, 'Service', 'User');
    if (!user || user === 'root' || user === '0') problems.push(`${where}: needs a dedicated non-root User=`);
    else if (!users.has(user)) problems.push(`${where}: User=${user} is not declared in deploy/systemd/sysusers.d`);
    if (!unitValue(unit, 'Service', 'Group')) problems.push(`${where}: no Group=`);
    if (unitValue(unit, 'Service', 'Restart') !== 'on-failure') problems.push(`${where}: Restart= must be on-failure`);
    // runMain (lib/lifecycle.ts) exits 2 on a configuration error: restarting cannot fix that.
    if (!(unitValue(unit, 'Service', 'RestartPreventExitStatus') ?? '').split(/\s+/).includes('2')) problems.push(`${where}: RestartPreventExitStatus= should include 2 (config error)`);
    if ((seconds(unitValue(unit, 'Service', 'TimeoutStopSec')) ?? 90) < 20) problems.push(`${where}: TimeoutStopSec= shorter than the 15 s graceful shutdown`);
    if (unitValue(unit, 'Service', 'WorkingDirectory') !== INSTALL_ROOT) problems.push(`${where}: WorkingDirectory= must be ${INSTALL_ROOT}`);
    problems.push(...checkHardening(where, unit));

    const envFiles = unitValues(unit, 'Service', 'EnvironmentFile').map((f) => f.replace(/^-/, ''));
    if (envFiles.length !== 1 || envFiles[0] !== `/etc/plexus/${name}.env`) problems.push(`${where}: EnvironmentFile= must be /etc/plexus/${name}.env`);

    const execs = unitValues(unit, 'Service', 'ExecStart');
    if (execs.length !== 1) {
      problems.push(`${where}: needs exactly one ExecStart=`);
      continue;
    }
    const argv = splitCommand(execs[0]!);
    if (!/^\/.*\/node$/.test(argv[0] ?? '')) problems.push(`${where}: ExecStart= must start with an absolute path to node, not ${argv[0]}`);
    const scripts = deployedScripts(argv);
    if (scripts.length !== 1) problems.push(`${where}: ExecStart= must run exactly one ${INSTALL_ROOT}/... script`);
    for (const s of scripts) {
      const r = sourceOf(s, model.build);
      if ('problem' in r) problems.push(`${where}: ${r.problem}`);
      else if (programOf(r.source) !== program) problems.push(`${where}: runs ${r.source}, expected the ${program} entry point`);
    }

    // The example files under deploy/systemd/etc/plexus are what the unit reads once installed.
    const configPath = flagValue(argv, '--config');
    if (configPath !== `/etc/plexus/${name}.yaml`) problems.push(`${where}: ExecStart= must pass --config /etc/plexus/${name}.yaml`);
    const exampleYaml = model.systemdFiles[`etc/plexus/${expand(name)}.yaml`];
    const exampleEnv = model.systemdFiles[`etc/plexus/${expand(name)}.env`];
    if (exampleYaml === undefined) problems.push(`deploy/systemd/etc/plexus/${expand(name)}.yaml (example config) is missing`);
    if (exampleEnv === undefined) problems.push(`deploy/systemd/etc/plexus/${expand(name)}.env (example environment) is missing`);
    if (exampleYaml === undefined || exampleEnv === undefined) continue;

    const env: Record<string, string> = {};
    for (const assignment of unitValues(unit, 'Service', 'Environment')) {
      const eq = assignment.indexOf('=');
      env[assignment.slice(0, eq)] = expand(assignment.slice(eq + 1));
    }
    // systemd: variables from EnvironmentFile= override Environment=.
    Object.assign(env, parseEnvFile(exampleEnv, `etc/plexus/${expand(name)}.env`));
    const loaded = await loadShippedConfig(program, exampleYaml, env);
    if ('problems' in loaded) {
      problems.push(...loaded.problems.map((p) => `deploy/systemd/etc/plexus/${expand(name)}.yaml: rejected by ${program}'s schema: ${p}`));
      continue;
    }
    if (program === 'proxy') {
      const cfg = loaded.config as { cluster?: string; controlPlane?: { registry?: string[]; configPush?: string[] } };
      const file = `deploy/systemd/etc/plexus/${expand(name)}.yaml`;
      if (cfg.cluster !== clusters.get('registry')) problems.push(`${file}: cluster ${cfg.cluster} ≠ the control plane's ${clusters.get('registry')} (etc/plexus/registry.yaml)`);
      for (const [field, target] of [['registry', 'registry'], ['configPush', 'config-push']] as const) {
        for (const a of cfg.controlPlane?.[field] ?? []) {
          if (!a.endsWith(`:${DEFAULT_PORTS[target].grpc}`)) problems.push(`${file}: controlPlane.${field} ${a} is not on the ${target}'s gRPC port ${DEFAULT_PORTS[target].grpc}`);
        }
      }
    } else {
      const cfg = loaded.config as {
        cluster?: string;
        grpc?: { port?: number };
        admin?: { port?: number };
        store?: { backend?: string; endpoints?: string[]; connectString?: string };
        bus?: { kind?: string; servers?: string[] };
      };
      clusters.set(program, cfg.cluster);
      const file = `deploy/systemd/etc/plexus/${name}.yaml`;
      const ports = DEFAULT_PORTS[program as ServiceName];
      if (cfg.grpc?.port !== ports.grpc || cfg.admin?.port !== ports.admin) problems.push(`${file}: ports must be the defaults ${ports.grpc}/${ports.admin}`);
      if (cfg.store?.backend === 'memory' || cfg.bus?.kind === 'memory') problems.push(`${file}: a VM install needs a shared store and bus, not memory`);
      // Every service lists every member of the same store and bus clusters (3 or more, odd).
      const storeMembers = cfg.store?.backend === 'etcd' ? (cfg.store.endpoints ?? []) : (cfg.store?.connectString ?? '').split(',').filter(Boolean);
      const busMembers = cfg.bus?.kind === 'nats' ? (cfg.bus.servers ?? []) : [];
      if (storeMembers.length < 3 || storeMembers.length % 2 === 0) problems.push(`${file}: the store lists ${storeMembers.length} member(s); a production store is an odd cluster of at least 3, every member listed`);
      if (busMembers.length < 3) problems.push(`${file}: bus.servers lists ${busMembers.length} server(s); list every server of a NATS cluster of at least 3`);
      const backends = JSON.stringify({ store: storeMembers, bus: busMembers });
      if (firstBackends === undefined) firstBackends = { file, backends };
      else if (firstBackends.backends !== backends) problems.push(`${file}: store/bus members ${backends} ≠ ${firstBackends.file}'s ${firstBackends.backends}`);
    }
  }
  return problems;
}
