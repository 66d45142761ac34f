// Original file: proto/plexus/demo/v1/inventory.proto


export interface GetItemRequest {
  'sku'?: (string);
}

export interface GetItemRequest__Output {
  'sku': (string);
}
