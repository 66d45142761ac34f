// Original file: proto/plexus/identity/v1/identity.proto


export interface RevokeJoinTokenRequest {
  'id'?: (string);
}

export interface RevokeJoinTokenRequest__Output {
  'id': (string);
}
