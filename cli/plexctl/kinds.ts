// Kind names as people type them: `route`, `routes`, `Route`, `rt`… → the API's kind. The
// names come from the kind table (lib/policy/kinds.ts): the kind in lower case and its aliases.
import { cliNamesOf, policyKindList, policyKindSpecs, type PolicyKind } from '../../lib/policy/index.js';
import { UsageError } from './exit-codes.js';

/** The kind, or undefined for `all`. */
export function parseKind(text: string, allowAll = false): PolicyKind | undefined {
  const lower = text.toLowerCase();
  if (allowAll && lower === 'all') return undefined;
  const spec = policyKindSpecs().find((s) => cliNamesOf(s).includes(lower));
  if (!spec) throw new UsageError(`unknown kind '${text}': use one of ${policyKindList()}${allowAll ? ' or all' : ''}`);
  return spec.kind as PolicyKind;
}
