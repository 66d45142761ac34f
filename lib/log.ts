// Structured JSON logs (pino) carrying service, cluster and instance on every line.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerIdentity {
  service: string;
  cluster: string;
  instance: string;
  level?: string;
}

export function createLogger(ident: LoggerIdentity, options: LoggerOptions = {}): Logger {
  const level = process.env.PLEXUS_LOG_LEVEL_OVERRIDE ?? ident.level ?? process.env.PLEXUS_LOG_LEVEL ?? 'info';
  return pino({
    level,
    base: { service: ident.service, cluster: ident.cluster, instance: ident.instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  });
}

/** A logger that writes nothing, for unit tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
