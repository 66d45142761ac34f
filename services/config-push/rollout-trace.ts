// Tracing a policy change to the proxies: a `policy.applied` event that carries a traceparent
// (the CloudEvents distributed-tracing extension, set by the policy service's Apply span) starts
// a "config-push rollout" span in that trace. It follows the change with the same tracker as
// WaitForRollout (rollout-tracker.ts) over this replica's proxies: each proxy still pending gets
// a "push → ACK <instance>" child span that ends when the proxy acknowledges (or rejects) a
// version containing the change; a proxy seen holding it at once (a fast ACK between two
// evaluations) gets a span from the event's arrival to that moment. So one trace shows
// Apply → push → ACK on every affected proxy.
// Only subscribed when tracing is on; at most MAX_TRACED rollouts are followed at once.
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { EventBus, Subscription } from '../../lib/bus/bus.js';
import type { Envelope } from '../../lib/bus/envelope.js';
import { contextFromTraceparent, spanContextFromTraceparent } from '../../lib/tracing/tracing.js';
import { trackRollout, type RolloutDeps } from './rollout-tracker.js';

const MAX_TRACED = 32;
const TRACE_TIMEOUT_MS = 30_000;

interface AppliedData {
  kind: string;
  namespace: string;
  name: string;
}

export async function traceRollouts(deps: RolloutDeps, bus: EventBus, tracer: Tracer, logger: Logger): Promise<() => Promise<void>> {
  const active = new Set<AbortController>();
  const sub: Subscription = await bus.subscribe('policy.applied', {
    onEvent: (env) => {
      if (!env.traceparent || active.size >= MAX_TRACED) return;
      const parent = spanContextFromTraceparent(env.traceparent);
      if (!parent || !(parent.traceFlags & 1)) return;
      const abort = new AbortController();
      active.add(abort);
      followRollout(deps, env, tracer, abort.signal)
        .catch((err: unknown) => logger.debug({ err, subject: env.subject }, 'rollout trace ended with an error'))
        .finally(() => active.delete(abort));
    },
    // A missed event only means a missing trace; nothing to repair.
    onGap: () => undefined,
  });
  return async () => {
    for (const a of active) a.abort();
    await sub.close();
  };
}

async function followRollout(deps: RolloutDeps, env: Envelope, tracer: Tracer, signal: AbortSignal): Promise<void> {
  const data = env.data as AppliedData;
  const parent = contextFromTraceparent(env.traceparent);
  const root = tracer.startSpan(
    `config-push rollout ${env.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.message.id': env.id,
        'plexus.policy': env.subject,
        'plexus.policy.revision': env.revision,
        'plexus.replica': deps.replica,
      },
    },
    parent,
  );
  const perProxy = new Map<string, Span>();
  const finished = new Set<string>();
  const arrived = Date.now();
  const rootCtx = trace.setSpan(parent, root);
  const open = (instance: string, startTime?: number): void => {
    if (perProxy.has(instance) || finished.has(instance)) return;
    perProxy.set(
      instance,
      tracer.startSpan(`push → ACK ${instance}`, { kind: SpanKind.PRODUCER, attributes: { 'plexus.proxy': instance }, ...(startTime ? { startTime } : {}) }, rootCtx),
    );
  };
  const end = (instance: string, status: 'acked' | 'nacked' | 'unfinished', message?: string): void => {
    const span = perProxy.get(instance);
    if (!span) return;
    span.setAttribute('plexus.push.result', status);
    if (status !== 'acked') span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
    span.end();
    perProxy.delete(instance);
    finished.add(instance);
  };
  try {
    await trackRollout(
      deps,
      { target: 'policy', policy: { kind: data.kind, namespace: data.namespace, name: data.name }, revision: env.revision, timeoutMs: TRACE_TIMEOUT_MS },
      (p, acked) => {
        const pending = new Set(p.pending);
        for (const instance of pending) open(instance);
        for (const instance of acked) open(instance, arrived);
        const nacked = new Map((p.nacks ?? []).map((n) => [n.instanceId, n.error?.message ?? '']));
        for (const instance of [...perProxy.keys()]) {
          if (nacked.has(instance)) end(instance, 'nacked', nacked.get(instance));
          else if (!pending.has(instance)) end(instance, 'acked');
        }
        if (p.done) {
          root.setAttributes({ 'plexus.rollout.outcome': p.outcome, 'plexus.rollout.affected': p.affected, 'plexus.rollout.acked': p.acked });
          if (p.outcome !== 'COMPLETE') root.setStatus({ code: SpanStatusCode.ERROR, message: p.outcome });
        }
      },
      signal,
    );
  } finally {
    for (const instance of [...perProxy.keys()]) end(instance, 'unfinished');
    root.end();
  }
}
