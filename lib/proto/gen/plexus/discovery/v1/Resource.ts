// Original file: proto/plexus/discovery/v1/discovery.proto


export interface Resource {
  'name'?: (string);
  /**
   * Opaque content version (a hash of the body): equal versions mean equal content.
   */
  'version'?: (string);
  /**
   * JSON encoding of the resource body (see lib/mesh/resources.ts for the schemas).
   */
  'body'?: (Buffer | Uint8Array | string);
}

export interface Resource__Output {
  'name': (string);
  /**
   * Opaque content version (a hash of the body): equal versions mean equal content.
   */
  'version': (string);
  /**
   * JSON encoding of the resource body (see lib/mesh/resources.ts for the schemas).
   */
  'body': (Buffer);
}
