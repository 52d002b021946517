// Histogram bucket bounds (seconds), chosen for the ranges they measure. A 1-2-5 series keeps histogram_quantile's
// linear interpolation within a factor of 2.5 of the truth at every scale.

/** Request latency: 1 ms to 60 s (request timeouts sit at the top). */
export const REQUEST_SECONDS_BUCKETS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60,
] as const;

/** Scheduler lag between an arrival's intended and actual start: 100 µs to 10 s. */
export const SCHEDULE_LAG_SECONDS_BUCKETS = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
] as const;
