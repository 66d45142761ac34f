#!/usr/bin/env node
// `npm test` runs this first: the integration tests start real etcd, ZooKeeper and nats-server
// (Debian packages), check every /metrics with promtool (package prometheus) and drive the web
// console in Debian's chromium (through playwright-core, which must not download a browser).
// Missing ones are installed when we can (root with apt-get, as on CI and a fresh Debian
// machine); otherwise the exact command to run is printed and the tests do not start.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { path: '/usr/bin/etcd', pkg: 'etcd-server' },
  { path: '/usr/share/java/zookeeper.jar', pkg: 'zookeeper' },
  { path: '/usr/sbin/nats-server', pkg: 'nats-server' },
  { path: '/usr/bin/java', pkg: 'default-jre-headless' },
  { path: '/usr/bin/promtool', pkg: 'prometheus' },
  { path: '/usr/bin/chromium', pkg: 'chromium' },
];
const missing = NEEDED.filter((n) => !existsSync(n.path)).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  console.error(`The tests need the Debian packages: ${missing.join(', ')}.\nInstall them with:\n  sudo apt-get update && sudo ${command}`);
  process.exit(1);
}
console.error(`installing test dependencies: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
// Debian may start the packaged daemons; the tests start their own on free ports.
for (const svc of ['etcd', 'zookeeper', 'nats-server', 'prometheus']) {
  try {
    execFileSync('service', [svc, 'stop'], { stdio: 'ignore' });
  } catch {
    /* not running or no service command */
  }
}
