// Key layout (DESIGN.md "Store"); the same paths are znodes on ZooKeeper.
//   /plexus/v1/<cluster>/instances/<namespace>/<service>/<instance-id>
//   /plexus/v1/<cluster>/policies/<kind>/<namespace>/<name>
//   /plexus/v1/<cluster>/meta/...
// The inverse, parseStoreKey, is in lib/model/names.ts.
import { PlexusError, ResourceExhaustedError, ValidationError } from '../errors.js';
import { STORE_LIMITS } from './store.js';

export const ROOT = '/plexus/v1';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

export function clusterPrefix(cluster: string): string {
  return `${ROOT}/${cluster}/`;
}
export function instancesPrefix(cluster: string, namespace?: string, service?: string): string {
  return areaPrefix(cluster, 'instances', namespace, service);
}
export function instanceKey(cluster: string, namespace: string, service: string, instanceId: string): string {
  return `${ROOT}/${cluster}/instances/${namespace}/${service}/${instanceId}`;
}
export function policiesPrefix(cluster: string, kind?: string, namespace?: string): string {
  return areaPrefix(cluster, 'policies', kind, namespace);
}
export function policyKey(cluster: string, kind: string, namespace: string, name: string): string {
  return `${ROOT}/${cluster}/policies/${kind}/${namespace}/${name}`;
}
export function metaKey(cluster: string, ...parts: string[]): string {
  return `${ROOT}/${cluster}/meta/${parts.join('/')}`;
}

/** `<root>/<cluster>/<area>/` and then each part up to the first undefined one, each with '/'. */
function areaPrefix(cluster: string, area: string, ...parts: Array<string | undefined>): string {
  let p = `${ROOT}/${cluster}/${area}/`;
  for (const part of parts) {
    if (part === undefined) break;
    p += `${part}/`;
  }
  return p;
}

/**
 * A key is absolute, has no empty, `.` or `..` segment, and only characters that are safe
 * both as etcd keys and as znode names. Prefixes may end with '/'.
 */
export function validateKey(key: string, { prefix = false } = {}): void {
  const problem = keyProblem(key, prefix);
  if (problem) throw new ValidationError([{ path: 'key', message: `${problem}: ${JSON.stringify(key.slice(0, 80))}` }]);
}

function keyProblem(key: string, prefix: boolean): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'key is empty';
  if (key.length > STORE_LIMITS.maxKeyLength) return `key longer than ${STORE_LIMITS.maxKeyLength} characters`;
  if (!key.startsWith('/')) return 'key must start with /';
  const body = prefix && key.endsWith('/') ? key.slice(1, -1) : key.slice(1);
  if (body === '' && prefix) return undefined;
  for (const seg of body.split('/')) {
    if (seg === '') return 'key has an empty segment';
    if (seg === '.' || seg === '..') return 'key has a relative segment';
    if (!SEGMENT.test(seg)) return 'key segment has characters outside [A-Za-z0-9._:@-]';
  }
  return undefined;
}

/** JSON-encode a value and enforce the size limit; throws before anything is written. */
export function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new PlexusError('INVALID_ARGUMENT', 'value is not JSON-serialisable', { cause: err });
  }
  if (text === undefined) throw new PlexusError('INVALID_ARGUMENT', 'value is not JSON-serialisable');
  const bytes = Buffer.byteLength(text);
  if (bytes > STORE_LIMITS.maxValueBytes) {
    throw new ResourceExhaustedError(`value of ${bytes} bytes exceeds the store limit of ${STORE_LIMITS.maxValueBytes} bytes`);
  }
  return text;
}

export function decodeValue<T>(text: string | Buffer | Uint8Array): T {
  return JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8')) as T;
}
