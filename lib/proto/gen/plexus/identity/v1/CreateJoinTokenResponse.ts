// Original file: proto/plexus/identity/v1/identity.proto


export interface CreateJoinTokenResponse {
  /**
   * compact JWS (ES256)
   */
  'token'?: (string);
  /**
   * jti, for RevokeJoinToken
   */
  'id'?: (string);
  'spiffeId'?: (string);
  /**
   * RFC 3339
   */
  'expiresAt'?: (string);
}

export interface CreateJoinTokenResponse__Output {
  /**
   * compact JWS (ES256)
   */
  'token': (string);
  /**
   * jti, for RevokeJoinToken
   */
  'id': (string);
  'spiffeId': (string);
  /**
   * RFC 3339
   */
  'expiresAt': (string);
}
