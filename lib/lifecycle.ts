// Process lifecycle: components register how to close themselves; SIGTERM/SIGINT close them in
// reverse order of registration (servers before the store and bus they use), bounded in time.
import type { Logger } from 'pino';
import { ConfigError } from './errors.js';

type Closer = { name: string; close: () => Promise<void> | void };

export class Lifecycle {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger, private readonly timeoutMs = 15_000) {}

  /** Register a component to close on shutdown. Closed in reverse order. */
  add(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Close everything once; later calls return the same promise. */
  shutdown(reason: string): Promise<void> {
    this.closing ??= this.run(reason);
    return this.closing;
  }

  private async run(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      this.logger.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, this.timeoutMs);
    deadline.unref();
    for (const c of [...this.closers].reverse()) {
      try {
        await c.close();
      } catch (err) {
        this.logger.warn({ err, component: c.name }, 'error while closing');
      }
    }
    clearTimeout(deadline);
    this.logger.info('stopped');
  }

  /** SIGTERM / SIGINT → shutdown, then exit 0. A second signal exits at once. */
  installSignalHandlers(): void {
    onShutdownSignals({
      stop: (signal) => this.shutdown(signal),
      onSecond: (signal) => this.logger.warn({ signal }, 'second signal: exiting now'),
    });
  }
}

/**
 * Entry-point wrapper for every binary: a ConfigError prints one clear message and exits 2;
 * anything else that escapes start-up is logged and exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

export interface SignalHandling {
  /** Runs once, on the first SIGTERM/SIGINT; the process then exits 0, or 1 if it rejects. */
  stop(signal: NodeJS.Signals): Promise<void>;
  /** Called when a second signal arrives, just before the process exits 1. */
  onSecond?(signal: NodeJS.Signals): void;
  /** Called after `stop` succeeded, before exit 0. */
  onStopped?(): void;
  /** Called when `stop` failed, before exit 1. */
  onFailed?(err: unknown): void;
}

/**
 * The one SIGTERM/SIGINT handler of every Plexus binary: the first signal runs `stop` and exits
 * with its outcome; a second signal (the operator insists) exits 1 at once.
 */
export function onShutdownSignals(h: SignalHandling): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      h.onSecond?.(signal);
      process.exit(1);
    }
    stopping = true;
    h.stop(signal).then(
      () => {
        h.onStopped?.();
        process.exit(0);
      },
      (err: unknown) => {
        h.onFailed?.(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * For launchers that own several components: on SIGINT/SIGTERM print what happens, run
 * `close`, print "stopped cleanly." and exit 0 (1 if closing failed). A second signal exits at once.
 */
export function stopOnSignals(what: string, close: () => Promise<void>): void {
  onShutdownSignals({
    stop: (signal) => {
      process.stdout.write(`\n${signal}: ${what}…\n`);
      return close();
    },
    onStopped: () => process.stdout.write('stopped cleanly.\n'),
    onFailed: (err) => process.stderr.write(`error while stopping: ${(err as Error).message}\n`),
  });
}
