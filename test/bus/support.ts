// Shared helpers for the bus tests: a recording handler, a logger that keeps its lines,
// hand-made envelopes for injecting odd traffic, and prom-client counter reads.
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { register } from 'prom-client';
import type { GapReason, SubscriptionHandler } from '../../lib/bus/bus.js';
import type { Envelope } from '../../lib/bus/envelope.js';

export interface Recorder {
  events: Envelope[];
  gaps: Array<{ reason: GapReason; detail: string }>;
  handler: SubscriptionHandler;
}

export function recorder(): Recorder {
  const r: Recorder = {
    events: [],
    gaps: [],
    handler: {
      onEvent: (e) => void r.events.push(e),
      onGap: (reason, detail) => void r.gaps.push({ reason, detail }),
    },
  };
  return r;
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

/** A valid envelope as a remote publisher would send it; override any field. */
export function envelope(overrides: Partial<Envelope> & Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: 'dev.plexus.instance.registered',
    source: '/plexus/c1/registry/hand-made',
    time: new Date().toISOString(),
    subject: 'default/catalog/i-1',
    datacontenttype: 'application/json',
    data: { hello: 'world' },
    cluster: 'c1',
    revision: 1,
    sequence: 1,
    epoch: 'epoch-a',
    ...overrides,
  };
}

export function withoutField(env: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...env };
  delete copy[field];
  return copy;
}

/** Current value of a prom-client counter in the default registry for the given labels (0 if absent). */
export async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}
