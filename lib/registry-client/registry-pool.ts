// One gRPC client per registry replica address, shared by every Registration of a process
// (a proxy has one, a test may have fifty), so they share connections.
import { ValidationError } from '../errors.js';
import { RegistryApi, type RegistryApiOptions } from './registry-api.js';

export class RegistryPool {
  private readonly apis: RegistryApi[];

  constructor(readonly addresses: readonly string[], options: RegistryApiOptions = {}) {
    if (addresses.length === 0) throw new ValidationError([{ path: 'addresses', message: 'at least one registry address is required' }]);
    this.apis = addresses.map((a) => new RegistryApi(a, options));
  }

  get size(): number {
    return this.apis.length;
  }

  /** The client of address `index` (modulo the number of addresses). */
  api(index: number): RegistryApi {
    return this.apis[((index % this.apis.length) + this.apis.length) % this.apis.length]!;
  }

  close(): void {
    for (const api of this.apis) api.close();
  }
}
