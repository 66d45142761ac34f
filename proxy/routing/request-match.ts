// Request matchers for route rules and access rules, compiled once per config version into
// plain predicates so the hot path does no parsing. Paths are matched after normalisation
// (http/path-normalize.ts) and case-sensitively. Regexes match the whole value and run on the
// linear-time engine of lib/policy (never V8's backtracking RegExp: see lib/policy/regex.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { compileRegex } from '../../lib/policy/regex.js';
import type { HeaderMatch, RouteRule, StringMatch } from '../../lib/mesh/resources.js';

/** What a matcher looks at: the normalised path (no query), the method and the headers. */
export interface MatchInput {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
}

export type Predicate = (input: MatchInput) => boolean;
export type StringPredicate = (value: string) => boolean;

export function compileStringMatch(spec: StringMatch): StringPredicate {
  const want = spec.value;
  switch (spec.type) {
    case 'exact':
      return (v) => v === want;
    case 'prefix':
      return (v) => v.startsWith(want);
    case 'regex': {
      // Throws on a pattern outside the safe subset; the config is then NACKed.
      const re = compileRegex(want);
      return (v) => re.matches(v);
    }
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function compileHeaderMatch(spec: HeaderMatch): Predicate {
  const name = spec.name.toLowerCase();
  if (spec.type === 'present') return (input) => input.headers[name] !== undefined;
  if (spec.type === 'absent') return (input) => input.headers[name] === undefined;
  if (spec.value === undefined) return () => false;
  const test = compileStringMatch({ type: spec.type, value: spec.value });
  return (input) => {
    const v = headerValue(input.headers, name);
    return v !== undefined && test(v);
  };
}

export function all(checks: Predicate[]): Predicate {
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (input) => {
    for (const c of checks) if (!c(input)) return false;
    return true;
  };
}

export function methodsPredicate(methods: readonly string[]): Predicate | undefined {
  if (methods.length === 0) return undefined;
  const set = new Set(methods.map((m) => m.toUpperCase()));
  // Handlers pass the canonical method (http/request-checks.ts); extension methods may be in any case.
  return (input) => set.has(input.method) || set.has(input.method.toUpperCase());
}

/** A route rule's `match`: every given condition must hold; an empty match takes every request. */
export function compileRouteMatch(match: RouteRule['match']): Predicate {
  const checks: Predicate[] = [];
  if (match.path) {
    const p = compileStringMatch(match.path);
    checks.push((input) => p(input.path));
  }
  const m = methodsPredicate(match.methods);
  if (m) checks.push(m);
  for (const h of match.headers) checks.push(compileHeaderMatch(h));
  return all(checks);
}

/** Any of the path matches; none given = any path. */
export function compilePathsAny(paths: readonly StringMatch[]): Predicate {
  if (paths.length === 0) return () => true;
  const preds = paths.map(compileStringMatch);
  return (input) => {
    for (const p of preds) if (p(input.path)) return true;
    return false;
  };
}
