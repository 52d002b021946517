// Accounts the target acknowledged during this run, by person index, plus the bookkeeping of who may sign up next.
import type { Account } from '../target/target.ts';
import type { AccountDirectory, PopulationView } from '../run/plugin.ts';

export class Accounts implements AccountDirectory {
  private readonly byIndex = new Map<number, Account>();
  private readonly signedUp: number[] = [];
  private readonly signedUpByCohort = new Map<string, number[]>();
  /** Per cohort: next never-tried person, and people whose signup failed (tried again before new ones). */
  private readonly nextNew = new Map<string, number>();
  private readonly retryQueue = new Map<string, number[]>();
  private readonly claimed = new Set<number>();

  /** With a shard, this directory only signs up the people whose offset in their cohort ≡ shard.index (mod count). */
  constructor(
    private readonly population: PopulationView,
    private readonly shard: { index: number; count: number } = { index: 0, count: 1 },
  ) {}

  get size(): number {
    return this.signedUp.length;
  }

  get(personIndex: number): Account | undefined {
    return this.byIndex.get(personIndex);
  }

  has(personIndex: number): boolean {
    return this.byIndex.has(personIndex);
  }

  /** Record an acknowledged signup (or a fresh token from login). */
  set(personIndex: number, account: Account): void {
    const known = this.byIndex.has(personIndex);
    this.byIndex.set(personIndex, account);
    this.claimed.delete(personIndex);
    if (known) return;
    this.signedUp.push(personIndex);
    const cohort = this.population.person(personIndex).cohort;
    let list = this.signedUpByCohort.get(cohort);
    if (!list) this.signedUpByCohort.set(cohort, (list = []));
    list.push(personIndex);
  }

  /** Every account, for handing a directory to worker threads. */
  entries(): [number, Account][] {
    return [...this.byIndex];
  }

  signedUpCount(cohort?: string): number {
    return cohort === undefined ? this.signedUp.length : (this.signedUpByCohort.get(cohort)?.length ?? 0);
  }

  randomSignedUp(random: number, cohort?: string): number | undefined {
    const list = cohort === undefined ? this.signedUp : this.signedUpByCohort.get(cohort);
    if (!list || list.length === 0) return undefined;
    return list[Math.min(list.length - 1, Math.floor(random * list.length))];
  }

  /** A person of the cohort who has no account yet and is not being signed up right now; undefined when none is left. */
  claimNew(cohort: string): number | undefined {
    const retry = this.retryQueue.get(cohort);
    if (retry?.length) {
      const i = retry.pop()!;
      this.claimed.add(i);
      return i;
    }
    const { start, count } = this.population.cohortRange(cohort);
    const next = this.nextNew.get(cohort) ?? start + this.shard.index;
    if (next >= start + count) return undefined;
    this.nextNew.set(cohort, next + this.shard.count);
    this.claimed.add(next);
    return next;
  }

  /** A claimed signup failed: the person may be tried again by a later arrival. */
  release(personIndex: number): void {
    if (!this.claimed.delete(personIndex) || this.byIndex.has(personIndex)) return;
    const cohort = this.population.person(personIndex).cohort;
    let q = this.retryQueue.get(cohort);
    if (!q) this.retryQueue.set(cohort, (q = []));
    q.push(personIndex);
  }
}
