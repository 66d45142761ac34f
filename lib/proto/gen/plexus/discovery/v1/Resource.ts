// Original file: proto/plexus/discovery/v1/discovery.proto


export interface Resource {
  'name'?: (string);
  /**
   * Opaque content version (a hash of the body): equal versions mean equal content.
   */
  'version'?: (string);
  /**
   * JSON encoding of the resource body (see lib/mesh/resources.ts for the schemas). Empty
   * when `base_version` is set.
   */
  'body'?: (Buffer | Uint8Array | string);
  /**
   * Only for a proxy with the "endpoints-delta" capability, only for Endpoints: the first 8
   * characters of the version the proxy holds (and acknowledged) that `delta` turns into
   * `version`. The proxy rejects (NACK with FAILED_PRECONDITION) a delta whose base is not what
   * it holds, and the server then sends the whole body.
   */
  'baseVersion'?: (string);
  /**
   * JSON of the change from `base_version` (lib/mesh/endpoints-delta.ts): endpoints added or
   * changed (changed ones carry only their id and the fields that differ; null = field unset)
   * and ids removed. A response that carries only deltas has no `sent_at`.
   */
  'delta'?: (Buffer | Uint8Array | string);
}

export interface Resource__Output {
  'name': (string);
  /**
   * Opaque content version (a hash of the body): equal versions mean equal content.
   */
  'version': (string);
  /**
   * JSON encoding of the resource body (see lib/mesh/resources.ts for the schemas). Empty
   * when `base_version` is set.
   */
  'body': (Buffer);
  /**
   * Only for a proxy with the "endpoints-delta" capability, only for Endpoints: the first 8
   * characters of the version the proxy holds (and acknowledged) that `delta` turns into
   * `version`. The proxy rejects (NACK with FAILED_PRECONDITION) a delta whose base is not what
   * it holds, and the server then sends the whole body.
   */
  'baseVersion': (string);
  /**
   * JSON of the change from `base_version` (lib/mesh/endpoints-delta.ts): endpoints added or
   * changed (changed ones carry only their id and the fields that differ; null = field unset)
   * and ids removed. A response that carries only deltas has no `sent_at`.
   */
  'delta': (Buffer);
}
