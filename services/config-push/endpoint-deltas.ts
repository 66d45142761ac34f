// Encodes the change of one Endpoints resource from a version a proxy holds to the current one
// (lib/mesh/endpoints-delta.ts), from the bodies the resource cache keeps in its version
// history. Proxies that hold the same base get the same bytes: encodings are memoized (bounded),
// so a change pushed to a thousand subscribers is diffed once.
import { diffEndpoints, encodeEndpointsDelta } from '../../lib/mesh/endpoints-delta.js';
import type { EndpointsBody, ResourceType } from '../../lib/mesh/resources.js';

export interface VersionHistory {
  /** The body of a remembered version of a resource (undefined when forgotten). */
  bodyOf(type: ResourceType, name: string, version: string): Buffer | undefined;
}

/** Memoized encodings (name, base, target); a few per changed service suffice. */
const MAX_MEMO = 4096;

export class EndpointDeltas {
  private readonly memo = new Map<string, Buffer | null>();

  constructor(private readonly history: VersionHistory) {}

  /**
   * The delta from `base` to `target` of Endpoints `name`, or undefined when the base is no
   * longer remembered or the delta would not be smaller than the whole body.
   */
  encode(name: string, base: string, target: { version: string; body: Buffer }): Buffer | undefined {
    const key = `${name}\n${base}\n${target.version}`;
    let out = this.memo.get(key);
    if (out === undefined) {
      out = this.compute(name, base, target);
      if (this.memo.size >= MAX_MEMO) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(key, out);
    }
    return out ?? undefined;
  }

  private compute(name: string, base: string, target: { body: Buffer }): Buffer | null {
    const baseBody = this.history.bodyOf('Endpoints', name, base);
    if (!baseBody) return null;
    // Both bodies are the cache's own canonical JSON: no validation needed.
    const delta = encodeEndpointsDelta(diffEndpoints(JSON.parse(baseBody.toString('utf8')) as EndpointsBody, JSON.parse(target.body.toString('utf8')) as EndpointsBody));
    return delta.length < target.body.length ? delta : null;
  }
}
