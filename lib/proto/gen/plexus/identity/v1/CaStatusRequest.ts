// Original file: proto/plexus/identity/v1/identity.proto


export interface CaStatusRequest {
}

export interface CaStatusRequest__Output {
}
