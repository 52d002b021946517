// Arrival times of one cohort: a seeded non-homogeneous Poisson process with intensity rate(t).
//
// Maths (thinning, Lewis & Shedler 1979). Let λ(t) = rate(t) and λ* >= λ(t) for all t (the plan's peakRate).
// Candidates form a homogeneous Poisson process of rate λ*: gaps are Exponential(1/λ*), so
//   t_{k+1} = t_k - ln(1 - U_k) / λ*,   U_k ~ Uniform[0,1).
// A candidate at t is kept with probability λ(t)/λ* (keep when V·λ* < λ(t), V ~ Uniform[0,1)).
// The kept points are exactly a Poisson process with intensity λ(t): the number of arrivals in [a, b] is
// Poisson with mean Λ(a,b) = ∫_a^b λ(t) dt (the curve's integral; Plan.expectedArrivals for the whole run),
// so its standard deviation is sqrt(Λ). No numeric integration, no discretisation error, and any curve shape
// works (curves are data). The cost is λ* candidates per second, so a loose bound only costs CPU, never
// accuracy. If λ(t) > λ* somewhere (a wrong bound), the process under-samples there: we count it and the
// run reports it (`boundExceeded`) rather than pretending.
//
// Intended start times are kept in wall milliseconds from the start of the measured phase. The scheduler never
// moves them; lateness is recorded as schedule lag, refusal as a drop.
//
// Sharding (worker threads, `merge` of sharded runs): every shard generates the same stream and keeps the
// arrivals whose ordinal is congruent to its index, so shards are disjoint and their union is the full stream.
import type { RateFn } from '../scenario/plan.ts';
import { Rng } from '../random/index.ts';

export interface ShardSpec {
  index: number;
  count: number;
}

export class ArrivalStream {
  private t = 0; // wall seconds of the last candidate
  private ordinal = 0; // kept arrivals so far (all shards)
  private done = false;
  /** Candidates where rate(t) exceeded the declared peak (the bound was wrong). */
  boundExceeded = 0;
  /** Ordinal of the arrival nextMs() returned last, counted over all shards (the arrival's identity in the stream). */
  lastOrdinal = -1;

  constructor(
    private readonly rate: RateFn,
    private readonly peakRate: number,
    private readonly endSec: number,
    private readonly random: Rng,
    private readonly shard: ShardSpec = { index: 0, count: 1 },
  ) {
    if (!(peakRate > 0) || !(endSec > 0)) this.done = true;
  }

  /** Intended time (wall ms) of this shard's next arrival, or Infinity when the stream is over. */
  nextMs(): number {
    while (!this.done) {
      this.t -= Math.log(1 - this.random.next()) / this.peakRate;
      if (this.t >= this.endSec) {
        this.done = true;
        break;
      }
      const lambda = this.rate(this.t);
      if (lambda > this.peakRate) this.boundExceeded++;
      if (this.random.next() * this.peakRate >= lambda) continue;
      const mine = this.ordinal % this.shard.count === this.shard.index;
      this.ordinal++;
      if (mine) {
        this.lastOrdinal = this.ordinal - 1;
        return this.t * 1000;
      }
    }
    return Infinity;
  }
}

/** ∫_a^b rate(t) dt by composite Simpson's rule; for tests, plan checks and progress ("expected so far"). */
export function integrateRate(rate: RateFn, fromSec: number, toSec: number, steps = 2000): number {
  if (toSec <= fromSec) return 0;
  const n = steps % 2 === 0 ? steps : steps + 1;
  const h = (toSec - fromSec) / n;
  let sum = rate(fromSec) + rate(toSec);
  for (let i = 1; i < n; i++) sum += rate(fromSec + i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}
