// The policy-kind table is the only list of kinds: a throwaway kind registered here, and nowhere
// else, must be accepted by Apply, listed, streamed by Watch (with and without a kind filter),
// pushed to a proxy inside the Service body it feeds (and ACKed: the proxy's body schema knows
// it), tracked by rollout, named by plexctl, and deleted again. Each step fails if the place it
// goes through keeps its own list of kinds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { summarize } from '../../cli/plexctl/commands/get.js';
import { parseKind } from '../../cli/plexctl/kinds.js';
import { PolicyClient, type WatchEvent } from '../../lib/policy-client/index.js';
import { MemoryBus, MemoryHub } from '../../lib/bus/memory-bus.js';
import type { DiscoveryClient } from '../../lib/discovery-client/index.js';
import { silentLogger } from '../../lib/log.js';
import { parseStoreKey } from '../../lib/model/names.js';
import { parsePolicy, policyKey, POLICY_KINDS } from '../../lib/policy/index.js';
import { definePolicyKind, registerPolicyKind } from '../../lib/policy/kinds.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { configPushOptions } from '../../services/config-push/config.js';
import { startConfigPush } from '../../services/config-push/config-push-service.js';
import { startPolicyService } from '../../services/policy/policy-service.js';
import { waitFor } from '../harness/index.js';
import { CLUSTER, StatusClient, testProxy } from '../config-push/support.js';

const KIND = 'Canary';
const canaryKind = definePolicyKind({
  kind: KIND,
  specSchema: z.strictObject({ percent: z.number().int().min(0).max(100) }),
  target: 'service',
  feeds: ['Service'],
  warnings: (spec) => (spec.percent === 100 ? ['spec.percent 100 sends everything to the canary'] : []),
  cli: { aliases: ['canaries', 'cn'], summarize: (spec) => `percent=${spec.percent}` },
});

const doc = (percent: number): Record<string, unknown> => ({
  apiVersion: 'plexus.dev/v1',
  kind: KIND,
  metadata: { namespace: 'shop', name: 'cart' },
  spec: { percent },
});

describe('a policy kind declared only in the kind table', () => {
  let unregister: () => void;
  const runtimes: Runtime[] = [];
  let policy: PolicyClient;
  let status: StatusClient;
  let proxy: DiscoveryClient;
  const watched: { all: WatchEvent[]; byKind: WatchEvent[] } = { all: [], byKind: [] };
  const watches: Array<{ cancel(): void }> = [];
  const nacks: string[] = [];

  before(async () => {
    unregister = registerPolicyKind(canaryKind);
    const store = new MemoryStore();
    const hub = new MemoryHub();
    const runtime = async (service: string): Promise<Runtime> => {
      const rt = await createRuntime(
        service,
        {
          cluster: CLUSTER,
          zone: 'zone-a',
          instance: `${service}-1`,
          logLevel: 'silent',
          store: { backend: 'memory' },
          bus: { kind: 'memory' },
          admin: { host: '127.0.0.1', port: 0 },
        },
        { logger: silentLogger(), store, bus: new MemoryBus({ cluster: CLUSTER, source: `${service}/1`, hub }) },
      );
      runtimes.push(rt);
      return rt;
    };
    const pol = await startPolicyService(await runtime('policy'), {
      cluster: CLUSTER,
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      auth: { tokens: [], anonymous: 'admin' },
    });
    const push = await startConfigPush(await runtime('config-push'), {
      cluster: CLUSTER,
      instance: 'config-push-1',
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      configPush: configPushOptions({ debounceMs: 5, maxDelayMs: 50 }),
    });
    policy = new PolicyClient(pol.address);
    status = new StatusClient(push.address);
    watches.push(
      policy.watch({ kind: '', namespace: '', fromRevision: 0 }, { onEvent: (ev) => watched.all.push(ev), onError: (err) => assert.fail(err) }),
      policy.watch({ kind: KIND, namespace: 'shop', fromRevision: 0 }, { onEvent: (ev) => watched.byKind.push(ev), onError: (err) => assert.fail(err) }),
    );
    proxy = testProxy(push.address, { Service: ['shop/cart'] });
    proxy.on('nacked', (_r, message) => nacks.push(message));
  });

  after(async () => {
    for (const w of watches) w.cancel();
    proxy?.close();
    policy?.close();
    status?.close();
    for (const rt of runtimes.reverse()) await rt.lifecycle.shutdown('test done');
    unregister?.();
  });

  it('is one of the kinds, and its store keys parse back to it', () => {
    assert.ok(POLICY_KINDS.includes(KIND as never));
    assert.deepEqual(parseStoreKey(policyKey(CLUSTER, KIND, 'shop', 'cart')), { cluster: CLUSTER, area: 'policies', kind: KIND, namespace: 'shop', name: 'cart' });
    const parsed = parsePolicy(doc(5));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual(parsed.policy.spec, { percent: 5 });
    assert.equal(parsePolicy({ ...doc(5), spec: { percent: 500 } }).ok, false);
  });

  it('plexctl knows its names and summary', () => {
    assert.equal(parseKind('cn'), KIND);
    assert.equal(parseKind('Canaries'), KIND);
    assert.equal(parseKind('canary'), KIND);
    const parsed = parsePolicy(doc(7));
    assert.ok(parsed.ok);
    assert.equal(summarize(parsed.policy), 'percent=7');
  });

  it('flows from Apply to List, Watch, a proxy and rollout, and is deleted again', async () => {
    const applied = await policy.apply({ document: doc(100) });
    assert.equal(applied.outcome, 'CREATED');
    assert.deepEqual(applied.warnings, ['spec.percent 100 sends everything to the canary']);
    assert.deepEqual(applied.affectedServices, ['shop/cart']);
    const revision = applied.policy!.revision;

    const listed = await policy.listAll({ kind: KIND, namespace: 'shop' });
    assert.deepEqual(listed.policies.map((p) => `${p.kind}/${p.namespace}/${p.name}`), [`${KIND}/shop/cart`]);
    const everything = await policy.listAll({});
    assert.ok(everything.policies.some((p) => p.kind === KIND));

    const putOf = (events: WatchEvent[]): WatchEvent | undefined => events.find((e) => e.type === 'PUT' && e.policy?.kind === KIND);
    await waitFor('both watches to stream the policy', () => putOf(watched.all) !== undefined && putOf(watched.byKind) !== undefined);
    assert.equal(putOf(watched.byKind)!.policy!.name, 'cart');

    await waitFor('the proxy to hold shop/cart with the policy as a source', () =>
      (proxy.body('Service', 'shop/cart')?.sources ?? []).some((s) => s.kind === KIND && s.namespace === 'shop' && s.name === 'cart'),
    );
    assert.deepEqual(nacks, []);

    const progress = await status.waitForRollout({ target: 'policy', policy: { kind: KIND, namespace: 'shop', name: 'cart' }, revision, timeoutMs: 10_000 });
    const last = progress[progress.length - 1]!;
    assert.equal(last.done, true);
    assert.equal(last.affected, 1, JSON.stringify(last));
    assert.equal(last.pendingCount, 0);
    assert.ok(last.acked >= 1, JSON.stringify(last));

    const history = await policy.history({ kind: KIND, namespace: 'shop', name: 'cart' });
    assert.equal(history.entries.length, 1);

    await policy.delete({ kind: KIND, namespace: 'shop', name: 'cart' });
    await waitFor('both watches to stream the deletion', () =>
      [watched.all, watched.byKind].every((events) => events.some((e) => e.type === 'DELETE' && e.policy?.kind === KIND)),
    );
    await waitFor('the proxy to drop the source', () => !(proxy.body('Service', 'shop/cart')?.sources ?? []).some((s) => s.kind === KIND));
    assert.deepEqual(nacks, []);
  });
});
