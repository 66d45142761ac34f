// What `npm run bench` needs on the machine besides Node, and what to do when it is missing:
// install it (root with apt-get, as on CI and a fresh Debian machine) or name the exact command
// and skip only the scenarios that need it. A scenario never starts without its tools, so none
// fails with a confusing symptom (nginx missing used to end the data-plane run with "nothing
// listening on PORT").
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Tool {
  /** The file the bench runs or loads. */
  path: string;
  /** Debian package that provides it. */
  pkg: string;
  /** Scenarios that need it; 'all' = the floors every run measures first. */
  neededBy: readonly string[] | 'all';
}

const TOOLS: readonly Tool[] = [
  { path: '/usr/bin/etcd', pkg: 'etcd-server', neededBy: 'all' },
  { path: '/usr/sbin/nats-server', pkg: 'nats-server', neededBy: 'all' },
  { path: '/usr/share/java/zookeeper.jar', pkg: 'zookeeper', neededBy: ['registry', 'churn'] },
  { path: '/usr/bin/java', pkg: 'default-jre-headless', neededBy: ['registry', 'churn'] },
  { path: '/usr/sbin/nginx', pkg: 'nginx', neededBy: ['dataplane'] },
];

export interface ToolCheck {
  /** Packages still missing after any installation. */
  missing: string[];
  /** The command that installs them (printed for the operator). */
  command: string;
  /** True when the floors cannot run at all. */
  fatal: boolean;
  /** Why a scenario cannot run (it needs a missing package). */
  skipReason(scenario: string): string | undefined;
}

export function ensureBenchTools(scenarios: readonly string[], log: (line: string) => void = console.error): ToolCheck {
  const needed = TOOLS.filter((t) => t.neededBy === 'all' || t.neededBy.some((s) => scenarios.includes(s)));
  let absent = needed.filter((t) => !existsSync(t.path));
  if (absent.length > 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = [...new Set(absent.map((t) => t.pkg))];
    log(`bench: installing ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
    } catch (err) {
      log(`bench: apt-get failed: ${(err as Error).message}`);
    }
    absent = absent.filter((t) => !existsSync(t.path));
  }
  const missing = [...new Set(absent.map((t) => t.pkg))];
  const command = missing.length > 0 ? `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}` : '';
  if (missing.length > 0) log(`bench: missing Debian package(s) ${missing.join(', ')}; install with:\n  ${command}`);
  return {
    missing,
    command,
    fatal: absent.some((t) => t.neededBy === 'all'),
    skipReason(scenario) {
      const lacks = absent.filter((t) => t.neededBy !== 'all' && t.neededBy.includes(scenario)).map((t) => `${t.pkg} (${t.path})`);
      return lacks.length > 0 ? `needs ${lacks.join(', ')}: ${command}` : undefined;
    },
  };
}
