// Reading policy records (lib/policy/record.ts) into the mesh view. Stored values are
// re-validated with parsePolicy: config-push serves what it can prove valid, and a value it
// cannot use is treated as absent (and reported), never passed on to proxies.
import { parsePolicy, targetServiceOf, type Policy } from '../policy/index.js';
// record.ts is the store-value contract; its shape check is not re-exported by the index.
import { policyRecordShape } from '../policy/record.js';
import type { PolicyCodec } from './mesh-view.js';

export const policyCodec: PolicyCodec<Policy> = {
  decode(ref, raw) {
    const record = policyRecordShape.safeParse(raw);
    if (!record.success) return { ok: false, reason: 'not a policy record ({policy, appliedBy, appliedAt})' };
    const parsed = parsePolicy(record.data.policy);
    if (!parsed.ok) {
      return { ok: false, reason: parsed.violations.map((v) => `${v.path || '(root)'}: ${v.message}`).join('; ') };
    }
    const policy = parsed.policy;
    if (policy.kind !== ref.kind || policy.metadata.namespace !== ref.namespace || policy.metadata.name !== ref.name) {
      return { ok: false, reason: `policy ${policy.kind}/${policy.metadata.namespace}/${policy.metadata.name} stored under the key of ${ref.kind}/${ref.namespace}/${ref.name}` };
    }
    const target = targetServiceOf(policy.kind, policy.metadata.namespace, policy.metadata.name);
    return { ok: true, value: policy, target };
  },
};
