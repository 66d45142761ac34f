// List with filters and pagination. Pages are cut by store key: the page token carries the
// last key returned, so a page starts after it even if policies were added or removed in
// between (each page reflects its own store revision).
import { ValidationError, type FieldViolation } from '../../lib/errors.js';
import { isDnsLabel } from '../../lib/model/names.js';
import { isPolicyKind, matchesSelector, parseLabelSelector, policyKindList, refFromStoreKey, type LabelSelector, type PolicyRecord, type PolicyRef } from '../../lib/policy/index.js';
import type { ListRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/ListRequest.js';
import { policiesPrefix } from '../../lib/store/keys.js';
import type { KeyValue, Store } from '../../lib/store/store.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ListInput {
  kind: string | undefined;
  namespace: string | undefined;
  selector: LabelSelector;
  pageSize: number;
  after: string | undefined;
}

export interface ListPage {
  items: Array<{ ref: PolicyRef; kv: KeyValue<PolicyRecord> }>;
  nextPageToken: string;
  revision: number;
}


export function parseListRequest(req: ListRequest__Output): ListInput {
  const violations: FieldViolation[] = [];
  if (req.kind && !isPolicyKind(req.kind)) violations.push({ path: 'kind', message: `must be empty or one of ${policyKindList()}` });
  if (req.namespace && !isDnsLabel(req.namespace)) violations.push({ path: 'namespace', message: 'must be empty or a DNS-1123 label' });
  if (req.pageSize < 0 || req.pageSize > MAX_PAGE_SIZE) violations.push({ path: 'page_size', message: `must be between 0 and ${MAX_PAGE_SIZE} (0 = ${DEFAULT_PAGE_SIZE})` });
  let selector: LabelSelector = [];
  try {
    selector = parseLabelSelector(req.labelSelector, 'label_selector');
  } catch (err) {
    if (err instanceof ValidationError) violations.push(...err.violations);
    else throw err;
  }
  let after: string | undefined;
  if (req.pageToken) {
    after = decodeToken(req.pageToken);
    if (after === undefined) violations.push({ path: 'page_token', message: 'is not a token from a previous List response' });
  }
  if (violations.length) throw new ValidationError(violations);
  return { kind: req.kind || undefined, namespace: req.namespace || undefined, selector, pageSize: req.pageSize || DEFAULT_PAGE_SIZE, after };
}

export async function listPolicies(store: Store, cluster: string, input: ListInput): Promise<ListPage> {
  const prefix = input.kind ? policiesPrefix(cluster, input.kind, input.namespace) : policiesPrefix(cluster);
  const listing = await store.list<PolicyRecord>(prefix);
  const items: ListPage['items'] = [];
  let nextPageToken = '';
  for (const kv of listing.items) {
    if (input.after !== undefined && kv.key <= input.after) continue;
    const ref = refFromStoreKey(cluster, kv.key);
    if (!ref) continue;
    if (input.namespace && ref.namespace !== input.namespace) continue;
    if (!matchesSelector(labelsOf(kv.value), input.selector)) continue;
    if (items.length === input.pageSize) {
      nextPageToken = encodeToken(items[items.length - 1]!.kv.key);
      break;
    }
    items.push({ ref, kv });
  }
  return { items, nextPageToken, revision: listing.revision };
}

/** Labels of a stored record; a record not written by this service reads as unlabelled. */
function labelsOf(record: PolicyRecord | undefined): Record<string, string> {
  const labels = (record?.policy as { metadata?: { labels?: unknown } } | undefined)?.metadata?.labels;
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {};
}

function encodeToken(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: key }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    return parsed.v === 1 && typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
