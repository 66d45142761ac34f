// A linear-time matcher for the parsed regex subset: Thompson construction to a small
// instruction list, simulated as a Pike VM (all threads advance in lock-step, one pass over the
// input, each instruction at most once per position). Time O(input × program), no backtracking.
import { isWordChar, type CharSet, type RegexNode } from './regex-syntax.js';

type Inst =
  | { op: 'char'; set: CharSet }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; kind: 'bol' | 'eol' | 'word' | 'notword' }
  | { op: 'match' };

/** Programs larger than this are refused (a pattern like `[a-z]{100}x{100}…` stays well below). */
export const MAX_PROGRAM = 4000;

export class ProgramTooLargeError extends Error {}

export interface Program {
  insts: Inst[];
}

export function compileProgram(root: RegexNode): Program {
  const insts: Inst[] = [];
  const emit = (inst: Inst): number => {
    if (insts.length >= MAX_PROGRAM) throw new ProgramTooLargeError(`pattern compiles to more than ${MAX_PROGRAM} instructions`);
    insts.push(inst);
    return insts.length - 1;
  };
  const gen = (node: RegexNode): void => {
    switch (node.t) {
      case 'empty':
        return;
      case 'char':
        emit({ op: 'char', set: node.set });
        return;
      case 'assert':
        emit({ op: 'assert', kind: node.kind });
        return;
      case 'cat':
        for (const item of node.items) gen(item);
        return;
      case 'alt': {
        // split L1, next; L1: a; jmp end; next: split L2, ... ; last: z; end:
        const jumps: number[] = [];
        node.items.forEach((item, i) => {
          if (i < node.items.length - 1) {
            const split = emit({ op: 'split', x: 0, y: 0 });
            (insts[split] as { x: number }).x = insts.length;
            gen(item);
            jumps.push(emit({ op: 'jmp', x: 0 }));
            (insts[split] as { y: number }).y = insts.length;
          } else gen(item);
        });
        for (const j of jumps) (insts[j] as { x: number }).x = insts.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i++) gen(node.node);
        if (node.max === Infinity) {
          const split = emit({ op: 'split', x: 0, y: 0 });
          (insts[split] as { x: number }).x = insts.length;
          gen(node.node);
          emit({ op: 'jmp', x: split });
          (insts[split] as { y: number }).y = insts.length;
        } else {
          const splits: number[] = [];
          for (let i = node.min; i < node.max; i++) {
            const split = emit({ op: 'split', x: 0, y: 0 });
            splits.push(split);
            (insts[split] as { x: number }).x = insts.length;
            gen(node.node);
          }
          for (const s of splits) (insts[s] as { y: number }).y = insts.length;
        }
        return;
      }
    }
  };
  gen(root);
  emit({ op: 'match' });
  return { insts };
}

function inSet(set: CharSet, code: number): boolean {
  let hit = false;
  for (const [lo, hi] of set.ranges) {
    if (code >= lo && code <= hi) {
      hit = true;
      break;
    }
  }
  return hit !== set.negate;
}

/** True when the program matches the whole of `input` (anchored at both ends). */
export function runProgram(program: Program, input: string): boolean {
  const { insts } = program;
  const n = insts.length;
  let current = new Int32Array(n);
  let next = new Int32Array(n);
  let currentLen = 0;
  let nextLen = 0;
  // onList[pc] === generation means pc is already in the list being built for this position.
  const onList = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n * 2 + 2);
  let generation = 0;

  const add = (list: Int32Array, length: number, startPc: number, pos: number): number => {
    let sp = 0;
    stack[sp++] = startPc;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (onList[pc] === generation) continue;
      onList[pc] = generation;
      const inst = insts[pc]!;
      switch (inst.op) {
        case 'jmp':
          stack[sp++] = inst.x;
          break;
        case 'split':
          stack[sp++] = inst.y;
          stack[sp++] = inst.x;
          break;
        case 'assert':
          if (assertHolds(inst.kind, input, pos)) stack[sp++] = pc + 1;
          break;
        default:
          list[length++] = pc;
      }
    }
    return length;
  };

  currentLen = add(current, 0, 0, 0);
  for (let pos = 0; pos < input.length && currentLen > 0; pos++) {
    const code = input.charCodeAt(pos);
    generation++;
    nextLen = 0;
    for (let i = 0; i < currentLen; i++) {
      const inst = insts[current[i]!]!;
      if (inst.op === 'char' && inSet(inst.set, code)) nextLen = add(next, nextLen, current[i]! + 1, pos + 1);
    }
    [current, next] = [next, current];
    currentLen = nextLen;
  }
  for (let i = 0; i < currentLen; i++) if (insts[current[i]!]!.op === 'match') return true;
  return false;
}

function assertHolds(kind: 'bol' | 'eol' | 'word' | 'notword', input: string, pos: number): boolean {
  switch (kind) {
    case 'bol':
      return pos === 0;
    case 'eol':
      return pos === input.length;
    default: {
      const before = pos > 0 && isWordChar(input.charCodeAt(pos - 1));
      const after = pos < input.length && isWordChar(input.charCodeAt(pos));
      return (before !== after) === (kind === 'word');
    }
  }
}
