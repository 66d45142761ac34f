// Weighted choice among a route's destinations (weights are percentages summing to 100, but
// any non-negative weights work). Cumulative weights are computed once per config version.

export type RandomSource = () => number;

export interface WeightedPicker<T> {
  pick(random?: RandomSource): T;
  readonly items: readonly T[];
}

/** Items with weight 0 are never picked; if every weight is 0 the first item is. */
export function weightedPicker<T>(items: ReadonlyArray<{ item: T; weight: number }>): WeightedPicker<T> {
  if (items.length === 0) throw new Error('weightedPicker needs at least one item');
  const only = items.map((i) => i.item);
  if (items.length === 1) {
    const single = items[0]!.item;
    return { items: only, pick: () => single };
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const i of items) {
    total += Math.max(0, i.weight);
    cumulative.push(total);
  }
  if (total === 0) {
    const first = items[0]!.item;
    return { items: only, pick: () => first };
  }
  return {
    items: only,
    pick(random = Math.random) {
      const r = random() * total;
      for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]!) return items[i]!.item;
      return items[items.length - 1]!.item;
    },
  };
}
