// Original file: proto/plexus/federation/v1/federation.proto


export interface ListImportsRequest {
  /**
   * Only this peer ("" = every configured peer).
   */
  'peer'?: (string);
}

export interface ListImportsRequest__Output {
  /**
   * Only this peer ("" = every configured peer).
   */
  'peer': (string);
}
