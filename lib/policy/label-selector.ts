// Label selectors for List and `plexctl get -l`, in Kubernetes syntax: comma-separated
// requirements that must all hold: `k=v` (or `k==v`), `k!=v`, `k` (has k), `!k` (lacks k),
// `k in (a,b)`, `k notin (a,b)`. An empty selector matches everything.
import { ValidationError } from '../errors.js';

export type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'absent'; key: string };

export type LabelSelector = LabelRequirement[];

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[A-Za-z0-9]?(?:[-A-Za-z0-9_.]*[A-Za-z0-9])?';
const EQ = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

/** Parse a selector; throws ValidationError naming `field` on bad syntax. */
export function parseLabelSelector(text: string, field = 'labelSelector'): LabelSelector {
  const out: LabelSelector = [];
  if (text.length > 1024) throw new ValidationError([{ path: field, message: 'must be at most 1024 characters' }]);
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    if (s === '') continue;
    let m = EQ.exec(s);
    if (m) {
      out.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! });
      continue;
    }
    m = SET.exec(s);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      if (values.length === 0 || values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) {
        throw new ValidationError([{ path: field, message: `bad value list in '${s}'` }]);
      }
      out.push({ op: m[2] as 'in' | 'notin', key: m[1]!, values });
      continue;
    }
    m = EXISTS.exec(s);
    if (m) {
      out.push({ op: m[1] === '!' ? 'absent' : 'exists', key: m[2]! });
      continue;
    }
    throw new ValidationError([{ path: field, message: `cannot parse requirement '${s}' (use k=v, k!=v, k, !k, k in (a,b), k notin (a,b))` }]);
  }
  return out;
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'absent':
        return !has;
    }
  });
}
