// Conversions between stored policies and the proto messages of plexus.policy.v1.
import type { PolicyRecord, PolicyRef } from '../../lib/policy/index.js';
import type { PolicyObject } from '../../lib/proto/gen/plexus/policy/v1/PolicyObject.js';
import type { KeyValue } from '../../lib/store/store.js';
import type { StoredPolicy } from './policy-manager.js';

export function toPolicyObject(ref: PolicyRef, kv: KeyValue<PolicyRecord>): PolicyObject {
  return {
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    document: JSON.stringify(kv.value.policy),
    revision: kv.revision,
    createRevision: kv.createRevision,
    appliedBy: kv.value.appliedBy,
    appliedAt: kv.value.appliedAt,
  };
}

export function storedToProto(stored: StoredPolicy): PolicyObject {
  return {
    ...stored.ref,
    document: JSON.stringify(stored.record.policy),
    revision: stored.revision,
    createRevision: stored.createRevision,
    appliedBy: stored.record.appliedBy,
    appliedAt: stored.record.appliedAt,
  };
}
