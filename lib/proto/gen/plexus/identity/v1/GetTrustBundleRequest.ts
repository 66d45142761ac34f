// Original file: proto/plexus/identity/v1/identity.proto


export interface GetTrustBundleRequest {
}

export interface GetTrustBundleRequest__Output {
}
