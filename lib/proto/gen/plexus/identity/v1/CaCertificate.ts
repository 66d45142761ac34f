// Original file: proto/plexus/identity/v1/identity.proto


export interface CaCertificate {
  /**
   * root | intermediate
   */
  'kind'?: (string);
  'subject'?: (string);
  /**
   * SHA-256 hex
   */
  'fingerprint'?: (string);
  'notBefore'?: (string);
  'notAfter'?: (string);
  /**
   * intermediates: the cluster that signs with it
   */
  'cluster'?: (string);
}

export interface CaCertificate__Output {
  /**
   * root | intermediate
   */
  'kind': (string);
  'subject': (string);
  /**
   * SHA-256 hex
   */
  'fingerprint': (string);
  'notBefore': (string);
  'notAfter': (string);
  /**
   * intermediates: the cluster that signs with it
   */
  'cluster': (string);
}
