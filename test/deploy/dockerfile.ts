// A reader for Dockerfiles, enough to check ours without a Docker engine: instructions with
// continuation lines and comments, stages, ARG defaults, and exec-form (JSON) arguments.

export interface Instruction {
  /** Upper-cased instruction, e.g. RUN. */
  op: string;
  /** Everything after the instruction word, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The base image with global ARG defaults substituted. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    // Continuations: comment lines inside a continued instruction are dropped, as Docker does.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      i++;
      while (i < lines.length - 1 && /^\s*#/.test(lines[i]!)) i++;
      line += ` ${lines[i]!.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot read instruction: ${line.trim()}`);
    instructions.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile:${ins.line}: cannot read FROM ${ins.args}`);
      const from = m[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => globalArgs[name] ?? `\${${name}}`);
      stages.push({ from, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile:${ins.line}: ${ins.op} before the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      globalArgs[name!.trim()] = (value ?? '').trim();
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Exec-form arguments (`["node", "x.js"]`); throws for shell form, which we do not use. */
export function execForm(ins: Instruction): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ins.args);
  } catch {
    throw new Error(`Dockerfile:${ins.line}: ${ins.op} must use the exec (JSON array) form`);
  }
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`Dockerfile:${ins.line}: ${ins.op} must be a JSON array of strings`);
  }
  return parsed;
}

/** The last instruction `op` of a stage (ENTRYPOINT, CMD, USER and WORKDIR take the last). */
export function lastOf(stage: Stage, op: string): Instruction | undefined {
  const all = stage.instructions.filter((i) => i.op === op);
  return all[all.length - 1];
}

/** The final stage's ENTRYPOINT and CMD (exec form), which containers inherit. */
export function imageCommand(df: Dockerfile): { entrypoint: string[]; cmd: string[] } {
  const final = df.stages[df.stages.length - 1];
  if (!final) throw new Error('Dockerfile has no FROM');
  const ep = lastOf(final, 'ENTRYPOINT');
  const cmd = lastOf(final, 'CMD');
  return { entrypoint: ep ? execForm(ep) : [], cmd: cmd ? execForm(cmd) : [] };
}
