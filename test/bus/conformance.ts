// The EventBus conformance suite: what every transport (in-process memory, NATS) must show —
// envelopes, per-kind sequences, NATS-style routing, cluster isolation, gap and duplicate
// handling, use after close. Run by memory-bus.unit.test.ts and nats-bus.test.ts, each with a
// harness; what only one transport has (hub internals, server faults) stays in its own file.
// Each test works in its own cluster name, so tests never see each other's events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventBus } from '../../lib/bus/bus.js';
import { envelopeSchema } from '../../lib/bus/envelope.js';
import { UnavailableError, ValidationError } from '../../lib/errors.js';
import { waitFor } from '../harness/index.js';
import { envelope, recorder } from './support.js';

export interface BusHarness {
  /** A bus of `cluster` publishing as `source` (`<service>/<replica>`); the harness closes it. */
  bus(cluster: string, source: string): Promise<EventBus & { readonly epoch: string }>;
  /** Sends bytes on a full subject as another, hand-made publisher would; resolves once sent. */
  publishRaw(subject: string, payload: string | Uint8Array): Promise<void>;
}

export function busConformance(name: string, harness: BusHarness): void {
  void describe(`EventBus conformance: ${name}`, () => {
    void it('publishes valid CloudEvents envelopes to plexus.<cluster>.<kind>, sequences counted per kind', async () => {
      const pub = await harness.bus('rt', 'registry/r1');
      const sub = await harness.bus('rt', 'config-push/r1');
      const rec = recorder();
      await sub.subscribe('instance.*', rec.handler);
      const sent = await pub.publish({ kind: 'instance.registered', subject: 'default/catalog/i-1', data: { port: 8080 }, revision: 42 });
      await pub.publish({ kind: 'instance.deregistered', subject: 'default/catalog/i-1', data: null, revision: 43 });
      await waitFor('two events', () => rec.events.length === 2);
      const got = rec.events[0];
      assert.deepEqual(got, sent);
      assert.deepEqual(envelopeSchema.parse(got), got);
      assert.deepEqual(envelopeSchema.parse(rec.events[1]), rec.events[1]);
      assert.equal(got?.type, 'dev.plexus.instance.registered');
      assert.equal(got?.source, '/plexus/rt/registry/r1');
      assert.equal(got?.cluster, 'rt');
      assert.equal(got?.revision, 42);
      assert.equal(got?.epoch, pub.epoch);
      assert.deepEqual(got?.data, { port: 8080 });
      assert.ok(!Number.isNaN(Date.parse(got?.time ?? '')));
      assert.deepEqual(rec.events.map((e) => e.sequence), [1, 1], 'sequences count per kind');
      assert.deepEqual(rec.gaps, []);
      assert.equal(pub.stats().published, 2);
      assert.equal(sub.stats().received, 2);
    });

    void it('routes by NATS-style patterns, ignores other clusters and rejects bad patterns', async () => {
      const pub = await harness.bus('wc', 'policy/r1');
      const foreign = await harness.bus('wc2', 'policy/r1');
      const sub = await harness.bus('wc', 'config-push/r1');
      const expected = {
        '>': ['a', 'b', 'c'],
        'instance.*': ['a'],
        'policy.>': ['b', 'c'],
        'instance.expired': ['a'],
        'policy.deleted': ['c'],
        '*.deleted': ['c'],
        '*.applied': ['b'],
      };
      const recs = new Map(Object.keys(expected).map((p) => [p, recorder()]));
      for (const [p, r] of recs) await sub.subscribe(p, r.handler);
      await foreign.publish({ kind: 'policy.applied', subject: 'foreign', data: null, revision: 1 });
      await pub.publish({ kind: 'instance.expired', subject: 'a', data: null, revision: 1 });
      await pub.publish({ kind: 'policy.applied', subject: 'b', data: null, revision: 2 });
      await pub.publish({ kind: 'policy.deleted', subject: 'c', data: null, revision: 3 });
      for (const [p, subjects] of Object.entries(expected)) {
        await waitFor(`${p} delivered`, () => recs.get(p)?.events.length === subjects.length);
      }
      await new Promise((r) => setImmediate(r));
      for (const [p, subjects] of Object.entries(expected)) {
        assert.deepEqual(recs.get(p)?.events.map((e) => e.subject), subjects, p);
      }
      assert.equal(sub.stats().malformed, 0);
      for (const bad of ['', 'instance.', '>.x', 'inst ance', 'a..b']) {
        await assert.rejects(sub.subscribe(bad, recorder().handler), ValidationError, `pattern '${bad}'`);
      }
    });

    void it('reports sequence gaps, drops duplicates and understands publisher restarts', async () => {
      const sub = await harness.bus('sq', 'config-push/r1');
      const rec = recorder();
      await sub.subscribe('instance.>', rec.handler);
      const send = (sequence: number, epoch = 'e1'): Promise<void> =>
        harness.publishRaw('plexus.sq.instance.updated', JSON.stringify(envelope({ cluster: 'sq', type: 'dev.plexus.instance.updated', sequence, epoch, revision: sequence })));
      await send(7); // first sight of a stream: accepted whatever its number
      await send(8);
      await send(10); // 9 missing
      await send(10); // duplicate
      await send(8); // old duplicate
      await send(13); // 11 and 12 missing
      await send(1, 'e2'); // restart: new epoch from 1, no gap
      await send(2, 'e2');
      await send(3, 'e3'); // restart, but its first two events were missed
      await waitFor('deliveries', () => rec.events.length === 7);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(rec.events.map((e) => `${e.epoch}:${e.sequence}`), ['e1:7', 'e1:8', 'e1:10', 'e1:13', 'e2:1', 'e2:2', 'e3:3']);
      assert.deepEqual(rec.gaps.map((g) => g.reason), ['sequence-gap', 'sequence-gap', 'sequence-gap']);
      assert.match(rec.gaps[0]?.detail ?? '', /expected sequence 9, got 10 \(1 missed\)/);
      assert.match(rec.gaps[1]?.detail ?? '', /expected sequence 11, got 13 \(2 missed\)/);
      assert.match(rec.gaps[2]?.detail ?? '', /new epoch e3 starts at sequence 3/);
      assert.equal(sub.stats().gaps, 3);
      assert.equal(sub.stats().received, 7);
    });

    void it('rejects use after close; closing twice is harmless', async () => {
      const b = await harness.bus('ac', 'registry/r1');
      await b.close();
      await b.close();
      await assert.rejects(b.publish({ kind: 'instance.registered', subject: 'x', data: null, revision: 1 }), UnavailableError);
      await assert.rejects(b.subscribe('>', recorder().handler), UnavailableError);
    });
  });
}
