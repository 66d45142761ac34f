// Kubernetes label rules (keys `[prefix/]name`, bounded values) and an equality-based label
// selector (`app=web,tier!=db,canary,!legacy`), used to validate instance labels and to filter
// List. Messages follow Kubernetes' wording so operators recognise them.

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const LABEL_LIMITS = { maxNameLength: 63, maxPrefixLength: 253, maxValueLength: 63 } as const;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'label key must not be empty';
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'label key prefix must not be empty';
    if (prefix.length > LABEL_LIMITS.maxPrefixLength) {
      return `label key prefix must be at most ${LABEL_LIMITS.maxPrefixLength} characters`;
    }
    if (!DNS_SUBDOMAIN.test(prefix)) return 'label key prefix must be a DNS-1123 subdomain';
  }
  if (name.length === 0) return 'label key name must not be empty';
  if (name.length > LABEL_LIMITS.maxNameLength) return `label key name must be at most ${LABEL_LIMITS.maxNameLength} characters`;
  if (!NAME.test(name)) {
    return "label key name must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric";
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is (empty is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > LABEL_LIMITS.maxValueLength) return `label value must be at most ${LABEL_LIMITS.maxValueLength} characters`;
  if (!NAME.test(value)) {
    return "label value must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric";
  }
  return undefined;
}

export type LabelRequirement =
  | { op: 'eq'; key: string; value: string }
  | { op: 'neq'; key: string; value: string }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

export type LabelSelector = LabelRequirement[];

/**
 * Parses `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated. Returns the requirements, or the
 * problem with the selector text (for a field violation).
 */
export function parseLabelSelector(text: string): { ok: true; selector: LabelSelector } | { ok: false; problem: string } {
  const selector: LabelSelector = [];
  if (text.trim() === '') return { ok: true, selector };
  for (const [i, raw] of text.split(',').entries()) {
    const part = raw.trim();
    const at = `requirement ${i + 1} ('${part.slice(0, 80)}')`;
    let req: LabelRequirement;
    const neq = part.indexOf('!=');
    const eq = part.indexOf('=');
    if (neq > 0) {
      req = { op: 'neq', key: part.slice(0, neq).trim(), value: part.slice(neq + 2).trim() };
    } else if (eq > 0) {
      const value = part.slice(part[eq + 1] === '=' ? eq + 2 : eq + 1).trim();
      req = { op: 'eq', key: part.slice(0, eq).trim(), value };
    } else if (part.startsWith('!')) {
      req = { op: 'absent', key: part.slice(1).trim() };
    } else {
      req = { op: 'exists', key: part };
    }
    const keyProblem = labelKeyProblem(req.key);
    if (keyProblem) return { ok: false, problem: `${at}: ${keyProblem}` };
    if (req.op === 'eq' || req.op === 'neq') {
      const valueProblem = labelValueProblem(req.value);
      if (valueProblem) return { ok: false, problem: `${at}: ${valueProblem}` };
    }
    selector.push(req);
  }
  return { ok: true, selector };
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  for (const req of selector) {
    const has = Object.hasOwn(labels, req.key);
    switch (req.op) {
      case 'eq':
        if (!has || labels[req.key] !== req.value) return false;
        break;
      case 'neq':
        if (has && labels[req.key] === req.value) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'absent':
        if (has) return false;
        break;
    }
  }
  return true;
}
