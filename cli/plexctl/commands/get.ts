// plexctl get KIND [NAME]: one policy or a filtered list, as a table, YAML or JSON.
// YAML/JSON show the normalised documents exactly as stored, so they can be edited and
// applied again (`get -o yaml` of an applied document equals its normalised form).
import { POLICY_KINDS, policyKindSpec, type Policy } from '../../../lib/policy/index.js';
import { NAMESPACE_OPTION, OUTPUT_OPTION, outputFormat, SELECTOR_OPTION } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { parseKind } from '../kinds.js';
import { table, toJson, toYaml, yamlStream } from '../output.js';
import type { PolicyObject } from '../../../lib/policy-client/index.js';

/** A one-cell summary of a policy's spec for tables (the kind table's `cli.summarize`). */
export function summarize(policy: Policy): string {
  return policyKindSpec(policy.kind)?.cli.summarize(policy.spec) ?? '';
}

export function documentOf(p: PolicyObject): Policy {
  return JSON.parse(p.document) as Policy;
}

export function policyTable(policies: PolicyObject[]): string {
  return table(
    ['KIND', 'NAMESPACE', 'NAME', 'REVISION', 'APPLIED BY', 'APPLIED AT', 'SUMMARY'],
    policies.map((p) => [p.kind, p.namespace, p.name, String(p.revision), p.appliedBy, p.appliedAt, summarize(documentOf(p))]),
  );
}

export const getCommand: Command = {
  name: 'get',
  summary: 'Show one policy or list policies',
  usage: 'get KIND|all [NAME] [-n NAMESPACE] [-l SELECTOR] [-o table|yaml|json]',
  options: {
    ...NAMESPACE_OPTION,
    ...SELECTOR_OPTION,
    ...OUTPUT_OPTION,
  },
  async run(ctx, { values, positionals }) {
    const [kindText, name, extra] = positionals;
    if (!kindText) throw new UsageError(`KIND is required (${POLICY_KINDS.map((k) => k.toLowerCase()).join(', ')} or all)`);
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const kind = parseKind(kindText, name === undefined);
    const format = outputFormat(values.output);
    const namespace = values.namespace as string | undefined;
    let policies: PolicyObject[];
    if (name !== undefined) {
      if (values.selector !== undefined) throw new UsageError('-l cannot be combined with NAME');
      policies = [await ctx.policy().get({ kind: kind!, name, namespace: namespace ?? 'default' })];
    } else {
      policies = (await ctx.policy().listAll({ kind: kind ?? '', namespace: namespace ?? '', labelSelector: (values.selector as string | undefined) ?? '' })).policies;
    }
    const docs = policies.map(documentOf);
    if (format === 'json') ctx.stdout.write(toJson(name !== undefined ? docs[0] : docs));
    else if (format === 'yaml') ctx.stdout.write(name !== undefined ? toYaml(docs[0]) : yamlStream(docs));
    else if (policies.length === 0) ctx.stderr.write('no policies found\n');
    else ctx.stdout.write(policyTable(policies));
    return EXIT.OK;
  },
};
