// MemoryBus: the in-process bus must behave like NatsBus minus server faults. The shared cases
// are in conformance.ts; here, what the in-process hub shows directly: asynchronous delivery,
// malformed input, bad input, throwing handlers, hub-signalled gaps.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isPlexusError, ValidationError } from '../../lib/errors.js';
import { busConfigSchema, createBus } from '../../lib/bus/index.js';
import { MemoryBus, MemoryHub } from '../../lib/bus/memory-bus.js';
import { waitFor } from '../harness/index.js';
import { busConformance } from './conformance.js';
import { captureLogger, counterValue, envelope, recorder, withoutField } from './support.js';

const conformanceHub = new MemoryHub();
const conformanceBuses: MemoryBus[] = [];
after(async () => {
  await Promise.all(conformanceBuses.map((b) => b.close()));
});
busConformance('memory', {
  bus: async (cluster, source) => {
    const b = new MemoryBus({ cluster, source, hub: conformanceHub });
    conformanceBuses.push(b);
    return b;
  },
  publishRaw: async (subject, payload) => conformanceHub.publishRaw(subject, payload),
});

function pair(hub = new MemoryHub()): { hub: MemoryHub; pub: MemoryBus; sub: MemoryBus } {
  return {
    hub,
    pub: new MemoryBus({ cluster: 'c1', source: 'registry/r1', hub }),
    sub: new MemoryBus({ cluster: 'c1', source: 'config-push/r1', hub }),
  };
}

/** Publishes a marker event and waits for it: everything sent before it has been handled. */
async function settle(pub: MemoryBus, rec: ReturnType<typeof recorder>, marker = 'marker'): Promise<void> {
  await pub.publish({ kind: 'policy.deleted', subject: marker, data: null, revision: 1 });
  await waitFor('marker event', () => rec.events.some((e) => e.subject === marker), { timeoutMs: 5000 });
}

void describe('MemoryBus', () => {
  void it('delivers asynchronously and in order, never inside publish()', async () => {
    const { pub, sub } = pair();
    const rec = recorder();
    await sub.subscribe('>', rec.handler);
    const pending = [1, 2, 3].map((i) => pub.publish({ kind: 'instance.updated', subject: `s${i}`, data: i, revision: i }));
    assert.equal(rec.events.length, 0, 'nothing delivered synchronously');
    await Promise.all(pending);
    await waitFor('three events', () => rec.events.length === 3);
    assert.deepEqual(rec.events.map((e) => e.sequence), [1, 2, 3]);
    // A handler that publishes is not re-entered.
    let depth = 0;
    let maxDepth = 0;
    const echo = await sub.subscribe('instance.registered', {
      onEvent: (e) => {
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        if (e.revision < 5) void pub.publish({ kind: 'instance.registered', subject: 'echo', data: null, revision: e.revision + 1 });
        depth--;
      },
      onGap: () => undefined,
    });
    await pub.publish({ kind: 'instance.registered', subject: 'echo', data: null, revision: 1 });
    await waitFor('echo chain', () => rec.events.filter((e) => e.subject === 'echo').length === 5);
    assert.equal(maxDepth, 1);
    await echo.close();
    await Promise.all([pub.close(), sub.close()]);
  });

  void it('counts sequences per kind, so a subscription to one kind sees no false gap', async () => {
    const { pub, sub } = pair();
    const rec = recorder();
    await sub.subscribe('instance.expired', rec.handler);
    for (let i = 1; i <= 3; i++) {
      await pub.publish({ kind: 'instance.registered', subject: `r${i}`, data: null, revision: i });
      await pub.publish({ kind: 'instance.expired', subject: `e${i}`, data: null, revision: i });
    }
    await waitFor('three expiries', () => rec.events.length === 3);
    assert.deepEqual(rec.events.map((e) => e.sequence), [1, 2, 3]);
    assert.deepEqual(rec.gaps, []);
    await Promise.all([pub.close(), sub.close()]);
  });

  void it('logs, counts and drops malformed messages and keeps working', async () => {
    const hub = new MemoryHub();
    const { logger, lines } = captureLogger();
    const sub = new MemoryBus({ cluster: 'c1', source: 'config-push/r1', hub, logger });
    const pub = new MemoryBus({ cluster: 'c1', source: 'registry/r1', hub });
    const rec = recorder();
    await sub.subscribe('>', rec.handler);
    const before = await counterValue('plexus_bus_malformed_events_total', { transport: 'memory' });
    hub.publishRaw('plexus.c1.instance.registered', 'garbage \u0000 not json');
    hub.publishRaw('plexus.c1.instance.registered', JSON.stringify(withoutField(envelope(), 'revision')));
    hub.publishRaw('plexus.c1.instance.registered', new Uint8Array([0xff, 0xfe, 0x00]));
    // Valid envelope, but it claims another kind than the subject it was sent on.
    hub.publishRaw('plexus.c1.instance.registered', JSON.stringify(envelope({ type: 'dev.plexus.policy.applied' })));
    // Valid envelope of another cluster sent on our subject.
    hub.publishRaw('plexus.c1.instance.registered', JSON.stringify(envelope({ cluster: 'c2' })));
    await settle(pub, rec);
    assert.equal(rec.events.length, 1, 'only the marker was delivered');
    assert.equal(sub.stats().malformed, 5);
    assert.equal((await counterValue('plexus_bus_malformed_events_total', { transport: 'memory' })) - before, 5);
    const warns = lines.filter((l) => l.level === 40 && l.msg === 'dropped malformed event');
    assert.equal(warns.length, 5);
    assert.match(String(warns[0]?.preview), /^garbage/);
    assert.match(String(warns[1]?.reason), /revision/);
    assert.match(String(warns[3]?.reason), /do not match subject/);
    await Promise.all([pub.close(), sub.close()]);
  });

  void it('ignores events of other clusters', async () => {
    const hub = new MemoryHub();
    const mine = new MemoryBus({ cluster: 'c1', source: 'config-push/r1', hub });
    const other = new MemoryBus({ cluster: 'c2', source: 'registry/r1', hub });
    const own = new MemoryBus({ cluster: 'c1', source: 'registry/r1', hub });
    const rec = recorder();
    await mine.subscribe('>', rec.handler);
    await other.publish({ kind: 'instance.registered', subject: 'x', data: null, revision: 1 });
    await settle(own, rec);
    assert.deepEqual(rec.events.map((e) => e.subject), ['marker']);
    assert.equal(mine.stats().malformed, 0);
    await Promise.all([mine.close(), other.close(), own.close()]);
  });

  void it('rejects bad input with typed errors and field paths, without spending a sequence number', async () => {
    const { pub, sub } = pair();
    const rec = recorder();
    await sub.subscribe('instance.*', rec.handler);
    await pub.publish({ kind: 'instance.registered', subject: 'ok', data: null, revision: 1 });
    const cases: Array<[unknown, string]> = [
      [{ kind: 'instance.exploded', subject: 's', data: null, revision: 1 }, 'kind'],
      [{ kind: 'instance.registered', subject: 's', data: null, revision: -1 }, 'revision'],
      [{ kind: 'instance.registered', subject: '', data: null, revision: 1 }, 'subject'],
      [{ kind: 'instance.registered', subject: 's', data: undefined, revision: 1 }, 'data'],
      [{ kind: 'instance.registered', subject: 's', data: { n: 1n }, revision: 1 }, 'data'],
    ];
    for (const [input, path] of cases) {
      await assert.rejects(pub.publish(input as never), (err: unknown) => {
        assert.ok(err instanceof ValidationError, String(err));
        assert.ok(err.violations.some((v) => v.path === path), JSON.stringify(err.violations));
        return true;
      });
    }
    await assert.rejects(
      pub.publish({ kind: 'instance.registered', subject: 's', data: 'x'.repeat(1024 * 1024), revision: 1 }),
      (err: unknown) => isPlexusError(err, 'RESOURCE_EXHAUSTED'),
    );
    await pub.publish({ kind: 'instance.registered', subject: 'ok2', data: null, revision: 2 });
    await waitFor('two events', () => rec.events.length === 2);
    assert.deepEqual(rec.events.map((e) => e.sequence), [1, 2]);
    assert.deepEqual(rec.gaps, []);
    assert.throws(() => new MemoryBus({ cluster: 'Not_A_Label', source: 'x/y' }), ValidationError);
    assert.throws(() => new MemoryBus({ cluster: 'c1', source: 'no-replica' }), ValidationError);
    await Promise.all([pub.close(), sub.close()]);
  });

  void it('survives handlers that throw or reject', async () => {
    const { logger, lines } = captureLogger();
    const hub = new MemoryHub();
    const sub = new MemoryBus({ cluster: 'c1', source: 'config-push/r1', hub, logger });
    const pub = new MemoryBus({ cluster: 'c1', source: 'registry/r1', hub });
    const rec = recorder();
    await sub.subscribe('>', {
      onEvent: (e) => {
        if (e.subject === 'throw') throw new Error('boom');
        if (e.subject === 'reject') return Promise.reject(new Error('async boom')) as unknown as void;
        rec.handler.onEvent(e);
      },
      onGap: rec.handler.onGap,
    });
    await pub.publish({ kind: 'instance.registered', subject: 'throw', data: null, revision: 1 });
    await pub.publish({ kind: 'instance.registered', subject: 'reject', data: null, revision: 2 });
    await settle(pub, rec);
    await waitFor('both errors logged', () => lines.filter((l) => l.level === 50).length === 2);
    await Promise.all([pub.close(), sub.close()]);
  });

  void it('reports hub-signalled gaps, and close() detaches everything', async () => {
    const { hub, pub, sub } = pair();
    const rec = recorder();
    const s1 = await sub.subscribe('>', rec.handler);
    await sub.subscribe('policy.*', recorder().handler);
    assert.equal(hub.size, 2);
    hub.signalGap('reconnect', 'test');
    await waitFor('gap', () => rec.gaps.length === 1);
    assert.deepEqual(rec.gaps[0], { reason: 'reconnect', detail: 'test' });
    await s1.close();
    assert.equal(hub.size, 1);
    await pub.publish({ kind: 'instance.registered', subject: 'after-close', data: null, revision: 1 });
    await sub.close();
    assert.equal(hub.size, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.events.length, 0);
    await assert.rejects(sub.publish({ kind: 'instance.registered', subject: 's', data: null, revision: 1 }), (e: unknown) =>
      isPlexusError(e, 'UNAVAILABLE'),
    );
    await pub.close();
  });
});

void describe('createBus / busConfigSchema', () => {
  void it('validates config strictly with field paths', () => {
    assert.deepEqual(busConfigSchema.parse({ kind: 'memory' }), { kind: 'memory' });
    assert.ok(busConfigSchema.safeParse({ kind: 'nats', servers: ['nats://127.0.0.1:4222', 'localhost:4223'] }).success);
    const extra = busConfigSchema.safeParse({ kind: 'memory', servers: [] });
    assert.equal(extra.success, false);
    const noServers = busConfigSchema.safeParse({ kind: 'nats', servers: [] });
    assert.deepEqual(noServers.error?.issues.map((i) => i.path.join('.')), ['servers']);
    const badServer = busConfigSchema.safeParse({ kind: 'nats', servers: ['http://x'] });
    assert.deepEqual(badServer.error?.issues.map((i) => i.path.join('.')), ['servers.0']);
    assert.equal(busConfigSchema.safeParse({ kind: 'kafka' }).success, false);
  });

  void it('builds memory buses on a shared hub so services in one process see each other', async () => {
    const hub = new MemoryHub();
    const { logger } = captureLogger();
    const registry = await createBus({ kind: 'memory' }, { cluster: 'dev', service: 'registry', replica: 'r1' }, logger, { hub });
    const push = await createBus({ kind: 'memory' }, { cluster: 'dev', service: 'config-push', replica: 'r1' }, logger, { hub });
    assert.equal(registry.kind, 'memory');
    const rec = recorder();
    await push.subscribe('instance.*', rec.handler);
    await registry.publish({ kind: 'instance.registered', subject: 'default/a/i-1', data: null, revision: 3 });
    await waitFor('event', () => rec.events.length === 1);
    assert.equal(rec.events[0]?.source, '/plexus/dev/registry/r1');
    await Promise.all([registry.close(), push.close()]);
  });
});
