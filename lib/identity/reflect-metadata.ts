// The part of the Reflect metadata API that tsyringe (a dependency of @peculiar/x509) checks for
// and uses at load time. Imported by crypto.ts before @peculiar/x509; a full polyfill package
// (reflect-metadata) may replace this file once it is a dependency of the tree.
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function table(target: Target, property: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let t = byProp?.get(property);
  if (!t && create && byProp) byProp.set(property, (t = new Map()));
  return t;
}

interface MetadataReflect {
  getMetadata?: (key: unknown, target: Target, property?: string | symbol) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target, property?: string | symbol) => void;
  hasMetadata?: (key: unknown, target: Target, property?: string | symbol) => boolean;
  getOwnMetadata?: (key: unknown, target: Target, property?: string | symbol) => unknown;
  metadata?: (key: unknown, value: unknown) => (target: Target, property?: string | symbol) => void;
}

const R = Reflect as unknown as MetadataReflect;
if (typeof R.getMetadata !== 'function') {
  const own = (key: unknown, target: Target, property?: string | symbol): unknown => table(target, property, false)?.get(key);
  R.getOwnMetadata = own;
  R.getMetadata = (key, target, property) => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const v = table(t, property, false);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };
  R.hasMetadata = (key, target, property) => R.getMetadata!(key, target, property) !== undefined;
  R.defineMetadata = (key, value, target, property) => void table(target, property, true)!.set(key, value);
  R.metadata = (key, value) => (target, property) => R.defineMetadata!(key, value, target, property);
}

export {};
