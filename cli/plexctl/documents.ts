// Reading policy documents for apply/diff: files, directories (*.yaml, *.yml, *.json, sorted by
// name) and standard input (`-`). YAML streams may hold many documents (`---`); a JSON file may
// hold one document or a list of them. Every document keeps its source and 1-based index, and
// can tell the line of a field path, so errors point at the right place.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { CommandContext } from './command.js';

export interface SourceDocument {
  /** File path as given (relative to cwd), or `<stdin>`. */
  source: string;
  /** 1-based position in the source. */
  index: number;
  /** The parsed value; undefined when `error` is set. */
  value: unknown;
  /** A problem reading or parsing this document (nothing is sent for it). */
  error?: string;
  /** Best-effort line (1-based) of a field path like `spec.rules[0].weight`. */
  lineOf(path: string): number | undefined;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;
/** Refuse absurd inputs before parsing. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export async function loadDocuments(paths: string[], ctx: Pick<CommandContext, 'cwd' | 'readStdin'>, recursive = false): Promise<SourceDocument[]> {
  const out: SourceDocument[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseSource('<stdin>', await ctx.readStdin()));
      continue;
    }
    const abs = resolve(ctx.cwd, p);
    let files: string[];
    let isDir = false;
    try {
      isDir = (await stat(abs)).isDirectory();
      files = isDir ? await listDir(abs, recursive) : [abs];
    } catch (err) {
      out.push(failed(p, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      continue;
    }
    if (files.length === 0) out.push(failed(p, 'directory holds no .yaml, .yml or .json files'));
    for (const file of files) {
      // Name files as the user did: the path given, or the directory given joined with the entry.
      const shown = isDir ? join(p, relative(abs, file)) : p;
      try {
        const info = await stat(file);
        if (info.size > MAX_FILE_BYTES) {
          out.push(failed(shown, `file is larger than ${MAX_FILE_BYTES} bytes`));
          continue;
        }
        out.push(...parseSource(shown, await readFile(file, 'utf8')));
      } catch (err) {
        out.push(failed(shown, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      }
    }
  }
  return out;
}

async function listDir(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory() && recursive) out.push(...(await listDir(full, true)));
    else if (e.isFile() && EXTENSIONS.test(e.name)) out.push(full);
  }
  return out;
}

function failed(source: string, error: string, index = 1): SourceDocument {
  return { source, index, value: undefined, error, lineOf: () => undefined };
}

/** Split one text into documents. Exported for tests. */
export function parseSource(source: string, text: string): SourceDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  const out: SourceDocument[] = [];
  let index = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      index++;
      const e = doc.errors[0]!;
      const line = e.linePos?.[0].line;
      const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      out.push(failed(source, `${line ? `line ${line}: ` : ''}${message}`, index));
      continue;
    }
    if (doc.contents === null) continue; // an empty document, e.g. after a trailing ---
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      index++;
      out.push(failed(source, (err as Error).message, index));
      continue;
    }
    if (Array.isArray(value)) {
      // A list of documents (JSON files often hold one).
      value.forEach((item, i) => {
        index++;
        out.push({ source, index, value: item, lineOf: (path) => lineIn(doc, lineCounter, [i, ...splitPath(path)]) });
      });
      continue;
    }
    index++;
    out.push({ source, index, value, lineOf: (path) => lineIn(doc, lineCounter, splitPath(path)) });
  }
  return out;
}

/** `spec.rules[0].weight` → ['spec', 'rules', 0, 'weight']. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

function lineIn(doc: Document, counter: LineCounter, parts: Array<string | number>): number | undefined {
  for (let n = parts.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
