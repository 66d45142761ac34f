// The instance-like record the store latency scripts write (about 300 bytes with the lease
// fields store-latency adds), one definition so the two measure the same payload shape.
export const SAMPLE_RECORD = {
  id: 'i-0123456789',
  namespace: 'default',
  service: 'catalog',
  cluster: 'bench',
  zone: 'zone-a',
  address: '10.0.0.12',
  port: 8080,
  protocol: 'http1',
  labels: { version: 'v1', team: 'storefront' },
  weight: 100,
  health: 'SERVING',
  incarnation: 1,
};
