// A reader for systemd unit files, enough to check what we ship: sections, repeated keys,
// comments (`#` and `;`) and backslash line continuations, as systemd.syntax(7) describes.

export interface UnitFile {
  /** Section name → its assignments in file order (keys may repeat, e.g. Environment=). */
  sections: Map<string, Array<{ key: string; value: string }>>;
}

export function parseUnit(text: string, file: string): UnitFile {
  const sections = new Map<string, Array<{ key: string; value: string }>>();
  let current: Array<{ key: string; value: string }> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // Continuation: a trailing backslash joins the next line with a space.
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      if (sections.has(name)) throw new Error(`${file}:${i + 1}: section [${name}] appears twice`);
      current = [];
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}:${i + 1}: not "Key=value": ${line}`);
    if (!current) throw new Error(`${file}:${i + 1}: assignment before any [Section]`);
    current.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return { sections };
}

/** Every value of `key` in `section` (an empty assignment resets earlier ones, as in systemd). */
export function unitValues(unit: UnitFile, section: string, key: string): string[] {
  let values: string[] = [];
  for (const a of unit.sections.get(section) ?? []) {
    if (a.key !== key) continue;
    if (a.value === '') values = [];
    else values.push(a.value);
  }
  return values;
}

/** The last value of `key`, which is the one systemd uses for single-valued settings. */
export function unitValue(unit: UnitFile, section: string, key: string): string | undefined {
  const all = (unit.sections.get(section) ?? []).filter((a) => a.key === key);
  return all.length ? all[all.length - 1]!.value : undefined;
}

/** Whether `key` is assigned in `section` at all (also when assigned the empty string). */
export function unitHas(unit: UnitFile, section: string, key: string): boolean {
  return (unit.sections.get(section) ?? []).some((a) => a.key === key);
}

/** Splits a command line the way ExecStart= does for simple cases: whitespace, "double" quotes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] ?? m[2] ?? m[3]!);
  // A leading prefix such as '-' or '@' changes how systemd runs the command, not the path.
  if (out[0]) out[0] = out[0].replace(/^[-@:+!]+/, '');
  return out;
}

/** Parses an EnvironmentFile (KEY=value lines, `#` comments, optional quotes). */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: not KEY=value: ${line}`);
    let value = m[2]!;
    if (/^"(.*)"$/.test(value) || /^'(.*)'$/.test(value)) value = value.slice(1, -1);
    env[m[1]!] = value;
  });
  return env;
}
