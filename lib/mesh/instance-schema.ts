// Reading instance records (lib/model/instance.ts) back from the store or from events. The
// registry validates what it writes; this check only guards the view against a value it cannot
// use (written by an older or foreign writer): such a key is logged and treated as absent.
import { instanceRecordSchema, type InstanceRecord } from '../model/instance.js';

export type ViewInstance = InstanceRecord;

export function decodeInstance(raw: unknown): { ok: true; value: ViewInstance } | { ok: false; reason: string } {
  const parsed = instanceRecordSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, value: parsed.data };
}
