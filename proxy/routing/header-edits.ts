// Header changes from a route rule: `remove` first, then `set` (replace), then `add` (append
// another value). Names are compiled to lower case once per config version.
import type { HeaderEdits } from '../../lib/mesh/resources.js';

export type HeaderBag = Record<string, string | string[] | number | undefined>;
export type HeaderEditor = (headers: HeaderBag) => void;

export function compileHeaderEdits(edits: HeaderEdits): HeaderEditor | null {
  const remove = edits.remove.map((n) => n.toLowerCase());
  const set = Object.entries(edits.set).map(([k, v]) => [k.toLowerCase(), v] as const);
  const add = Object.entries(edits.add).map(([k, v]) => [k.toLowerCase(), v] as const);
  if (remove.length === 0 && set.length === 0 && add.length === 0) return null;
  return (headers) => {
    for (const name of remove) delete headers[name];
    for (const [name, value] of set) headers[name] = value;
    for (const [name, value] of add) {
      const cur = headers[name];
      if (cur === undefined) headers[name] = value;
      else if (Array.isArray(cur)) headers[name] = [...cur, value];
      else headers[name] = [String(cur), value];
    }
  };
}
