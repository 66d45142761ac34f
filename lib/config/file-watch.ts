// Call `onChange` when a file changes, by polling its stat every `intervalMs` (works for
// Kubernetes ConfigMap/Secret volumes, which swap a symlink, and for editors that replace the
// file). A watcher's first stat is its baseline, taken a little after this call: a file written
// in between would never count as changed, so one extra call comes after the first interval
// (callers must treat an unchanged file as a no-op). Returns the function that stops watching.
import { unwatchFile, watchFile, type Stats } from 'node:fs';

export function watchFileChanges(file: string, intervalMs: number, onChange: () => void): () => void {
  const listener = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) onChange();
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  const settle = setTimeout(onChange, intervalMs);
  settle.unref();
  return () => {
    clearTimeout(settle);
    unwatchFile(file, listener);
  };
}
