// Config reload of the federation service, on a change of its config file (polled) or SIGHUP.
// The new config is loaded exactly as at start (file + PLEXUS_* + flags, the same zod schema);
// an invalid one is refused as a whole, logged with its field paths, and the running config
// kept. Only `federation.peers` reloads (PeerLinks.apply: removed peers stop and their imports
// and cursor are deleted, added peers start, changed ones restart); any other changed field is
// logged as needing a restart and not applied.
import type { Logger } from 'pino';
import { watchFileChanges } from '../../lib/config/file-watch.js';
import { isPlexusError, type ConfigError } from '../../lib/errors.js';
import type { FederationConfig, PeerConfig } from './config.js';
import type { PeerChanges } from './peer-links.js';

export type ReloadOutcome =
  | { result: 'unchanged'; needsRestart: string[] }
  | { result: 'applied'; changes: PeerChanges; needsRestart: string[] }
  | { result: 'refused'; violations: Array<{ path: string; message: string }> };

export interface ConfigReloadOptions {
  /** The config the service started with. */
  running: FederationConfig;
  /** Loads the config again from the same sources; throws ConfigError when it is invalid. */
  load: () => FederationConfig;
  setPeers: (peers: PeerConfig[]) => Promise<PeerChanges>;
  logger: Logger;
  /** The config file to watch; without one only SIGHUP (and reload()) reload. */
  file?: string;
  intervalMs?: number;
  /** Reload on SIGHUP (main.ts). */
  sighup?: boolean;
}

export interface ConfigReloader {
  /** Reload now (serialised with the file watcher and SIGHUP). */
  reload(): Promise<ReloadOutcome>;
  /** How many reloads had each result, and the last one. */
  stats(): { applied: number; refused: number; unchanged: number; last: ReloadOutcome | undefined };
  close(): void;
}

export function startConfigReload(opts: ConfigReloadOptions): ConfigReloader {
  let running = opts.running;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  const counts = { applied: 0, refused: 0, unchanged: 0 };
  let last: ReloadOutcome | undefined;

  const reloadNow = async (): Promise<ReloadOutcome> => {
    let next: FederationConfig;
    try {
      next = opts.load();
    } catch (err) {
      if (!isPlexusError(err, 'CONFIG')) throw err;
      const violations = (err as ConfigError).violations;
      opts.logger.error({ violations }, 'federation: new configuration refused; the running one is kept');
      return { result: 'refused', violations };
    }
    const needsRestart = changedPaths(withoutPeers(running), withoutPeers(next));
    if (needsRestart.length > 0) opts.logger.warn({ fields: needsRestart }, 'federation: configuration changed in fields that only take effect after a restart');
    if (changedPaths(running.federation.peers, next.federation.peers).length === 0) return { result: 'unchanged', needsRestart };
    const changes = await opts.setPeers(next.federation.peers);
    running = { ...running, federation: { ...running.federation, peers: next.federation.peers } };
    opts.logger.info({ ...changes }, 'federation: peers reloaded');
    return { result: 'applied', changes, needsRestart };
  };
  const reload = (): Promise<ReloadOutcome> => {
    const run = chain
      .catch(() => undefined)
      .then(reloadNow)
      .then((outcome) => {
        counts[outcome.result]++;
        last = outcome;
        return outcome;
      });
    chain = run;
    return run;
  };
  const onTrigger = (): void => {
    if (closed) return;
    reload().catch((err: unknown) => opts.logger.error({ err }, 'federation: applying the reloaded configuration failed'));
  };
  const unwatch = opts.file === undefined ? () => undefined : watchFileChanges(opts.file, opts.intervalMs ?? 1000, onTrigger);
  if (opts.sighup) process.on('SIGHUP', onTrigger);
  return {
    reload,
    stats: () => ({ ...counts, last }),
    close: () => {
      closed = true;
      unwatch();
      process.off('SIGHUP', onTrigger);
    },
  };
}

function withoutPeers(c: FederationConfig): unknown {
  return { ...c, federation: { ...c.federation, peers: undefined } };
}

/** Dotted paths of the leaves that differ between two JSON-like values. */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (Object.is(a, b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [prefix || '(root)'];
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return [prefix || '(root)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => changedPaths(a[k], b[k], Array.isArray(a) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k));
}
