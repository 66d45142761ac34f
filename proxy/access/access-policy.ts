// Evaluation of the Inbound access policy (lib/mesh/resources.ts `InboundBody`): any matching
// deny rule denies; otherwise any matching allow rule allows; otherwise the default action
// (the Mesh policy's default). Compiled once per config version.
//
// Sources: `from` lists identities `<namespace>/<service>` where `*` matches one whole segment
// (`prod/*`, `*/web`), or alone matches anyone — including callers that could not be identified
// (lib/policy/access.ts). A plaintext caller (PERMISSIVE mode) has no identity: it matches only
// `*`, `unauthenticated` and rules with an empty `from`.
//
// Paths: the input path is the reduced form of http/path-normalize.ts matchPath(). An exact
// path also matches with a trailing `/` (or without one, when the rule has it), since apps serve
// both as one resource; `ignoreCase` (absent: true for deny rules, false for allow rules, so
// both fail closed) lower-cases both sides.
import type { AccessRule, InboundBody, StringMatch } from '../../lib/mesh/resources.js';
import { UNAUTHENTICATED_SOURCE } from '../../lib/policy/access.js';
import { all, compileStringMatch, methodsPredicate, type MatchInput, type Predicate } from '../routing/request-match.js';

export interface AccessInput extends MatchInput {
  /** `<namespace>/<service>` of the calling proxy, or undefined when unknown. */
  source: string | undefined;
}

export interface AccessDecision {
  allowed: boolean;
  /** Why: `deny rule 2`, `allow rule 0`, `default allow`, `default deny`. */
  reason: string;
}

type SourcePredicate = (source: string | undefined) => boolean;

export function compileSourcePattern(pattern: string): SourcePredicate {
  if (pattern === '*') return () => true;
  if (pattern === UNAUTHENTICATED_SOURCE) return (s) => s === undefined;
  const [pns, psvc] = pattern.split('/');
  return (s) => {
    if (s === undefined) return false;
    const slash = s.indexOf('/');
    const ns = s.slice(0, slash);
    const svc = s.slice(slash + 1);
    return (pns === '*' || pns === ns) && (psvc === '*' || psvc === svc);
  };
}

function withoutTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function compileAccessPath(spec: StringMatch, ignoreCase: boolean): (path: string) => boolean {
  const fold = ignoreCase ? (v: string): string => v.toLowerCase() : (v: string): string => v;
  if (spec.type === 'exact') {
    const want = withoutTrailingSlash(fold(spec.value));
    return (p) => withoutTrailingSlash(fold(p)) === want;
  }
  const test = compileStringMatch(ignoreCase && spec.type === 'prefix' ? { type: 'prefix', value: spec.value.toLowerCase() } : spec);
  return ignoreCase && spec.type === 'prefix' ? (p) => test(p.toLowerCase()) : test;
}

function compileRule(rule: AccessRule): (input: AccessInput) => boolean {
  const checks: Predicate[] = [];
  if (rule.paths.length > 0) {
    const preds = rule.paths.map((p) => compileAccessPath(p, rule.ignoreCase ?? rule.action === 'deny'));
    checks.push((input) => preds.some((p) => p(input.path)));
  }
  const m = methodsPredicate(rule.methods);
  if (m) checks.push(m);
  const request = all(checks);
  if (rule.from.length === 0) return request;
  const sources = rule.from.map(compileSourcePattern);
  return (input) => sources.some((p) => p(input.source)) && request(input);
}

export type AccessEvaluator = (input: AccessInput) => AccessDecision;

export function compileAccessPolicy(body: Pick<InboundBody, 'defaultAction' | 'rules'>): AccessEvaluator {
  const denies: Array<{ index: number; test: (i: AccessInput) => boolean }> = [];
  const allows: Array<{ index: number; test: (i: AccessInput) => boolean }> = [];
  body.rules.forEach((rule, index) => (rule.action === 'deny' ? denies : allows).push({ index, test: compileRule(rule) }));
  const defaultDecision: AccessDecision = { allowed: body.defaultAction === 'allow', reason: `default ${body.defaultAction}` };
  const allowReasons = allows.map((a) => ({ allowed: true, reason: `allow rule ${a.index}` }));
  const denyReasons = denies.map((d) => ({ allowed: false, reason: `deny rule ${d.index}` }));
  return (input) => {
    for (let i = 0; i < denies.length; i++) if (denies[i]!.test(input)) return denyReasons[i]!;
    for (let i = 0; i < allows.length; i++) if (allows[i]!.test(input)) return allowReasons[i]!;
    return defaultDecision;
  };
}

/** Before any Inbound resource arrived: the mesh default is unknown, so nothing is let in. */
export const DENY_UNTIL_CONFIGURED: AccessEvaluator = () => ({ allowed: false, reason: 'no inbound policy received yet' });
