/** Latency buckets in seconds from 0.5 ms to 10 s (prom-client histograms and the proxy's own). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
