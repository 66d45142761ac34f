// Original file: proto/plexus/demo/v1/inventory.proto


export interface Item {
  'sku'?: (string);
  'stock'?: (number);
  /**
   * "v1" or "v2".
   */
  'version'?: (string);
  'instance'?: (string);
}

export interface Item__Output {
  'sku': (string);
  'stock': (number);
  /**
   * "v1" or "v2".
   */
  'version': (string);
  'instance': (string);
}
