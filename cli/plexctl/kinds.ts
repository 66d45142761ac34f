// Kind names as people type them: `route`, `routes`, `Route`, `rt`… → the API's kind.
import { POLICY_KINDS, type PolicyKind } from '../../lib/policy/index.js';
import { UsageError } from './exit-codes.js';

const ALIASES: Record<string, PolicyKind> = {
  route: 'Route', routes: 'Route', rt: 'Route',
  resilience: 'Resilience', resiliences: 'Resilience', res: 'Resilience',
  access: 'Access', accesses: 'Access', acl: 'Access',
  mesh: 'Mesh', meshes: 'Mesh',
};

/** The kind, or undefined for `all`. */
export function parseKind(text: string, allowAll = false): PolicyKind | undefined {
  if (allowAll && text.toLowerCase() === 'all') return undefined;
  const kind = ALIASES[text.toLowerCase()];
  if (!kind) throw new UsageError(`unknown kind '${text}': use one of ${POLICY_KINDS.join(', ')}${allowAll ? ' or all' : ''}`);
  return kind;
}
