// Expiry of the certificates this replica issued, in memory: the soonest workload expiry for
// CaStatus and the metrics. Each replica knows only its own; operators look at all of them.
// A certificate renewed through this replica is forgotten (the caller moved on to the new one).
export interface TrackedCert {
  spiffeId: string;
  notAfter: number;
}

export class IssuedTracker {
  private readonly certs = new Map<string, TrackedCert>();

  /** One entry per SPIFFE ID and serial; a renewal replaces nothing but adds its own. */
  add(serial: string, spiffeId: string, notAfter: Date): void {
    this.certs.set(serial, { spiffeId, notAfter: notAfter.getTime() });
  }

  /** A renewal replaced this certificate: its expiry no longer threatens anyone. */
  replaced(serial: string): void {
    this.certs.delete(serial);
  }

  /** Drops expired entries and returns the soonest live one. */
  soonest(now = Date.now()): { soonest: TrackedCert | undefined; live: number } {
    let soonest: TrackedCert | undefined;
    for (const [serial, c] of this.certs) {
      if (c.notAfter <= now) {
        this.certs.delete(serial);
        continue;
      }
      if (!soonest || c.notAfter < soonest.notAfter) soonest = c;
    }
    return { soonest, live: this.certs.size };
  }
}
