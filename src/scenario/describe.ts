// Human descriptions of a compiled plan: a line per plan and cohort (k6 style), expected arrivals per wall-time
// bucket, sparklines, events. Printing is the caller's job; these return strings and plain data.
import { formatDuration } from './clock.ts';
import { integrate } from './curves.ts';
import type { Plan, PlanCohort } from './plan.ts';

const BARS = '▁▂▃▄▅▆▇█';

/** Sparkline of non-negative values: ' ' for zero, ▁..█ scaled to the maximum. */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  if (max <= 0) return ' '.repeat(values.length);
  return values
    .map((v) => (v <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!))
    .join('');
}

export function formatRate(perSec: number): string {
  if (perSec >= 1000) return Math.round(perSec).toLocaleString('en-US');
  if (perSec >= 10) return perSec.toFixed(1);
  if (perSec >= 0.01 || perSec === 0) return perSec.toFixed(2);
  return perSec.toPrecision(2);
}

export function formatCount(n: number): string {
  if (n >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(1);
}

/** Expected (sampled) arrivals of a cohort between two wall times. */
export function expectedArrivalsBetween(plan: Plan, cohort: PlanCohort, wall0: number, wall1: number): number {
  const a = Math.max(0, wall0);
  const b = Math.min(plan.wallDurationSec, wall1);
  if (b <= a) return 0;
  if (cohort.curve) {
    const scaleToWall = (cohort.rateScale ?? plan.compression * plan.sample) / plan.compression;
    return scaleToWall * integrate(cohort.curve, a * plan.compression, b * plan.compression);
  }
  // Only the function is known (a hand-built plan): composite Simpson over the wall rate.
  const n = 200;
  const h = (b - a) / n;
  let s = cohort.rate(a) + cohort.rate(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * cohort.rate(a + i * h);
  return (s * h) / 3;
}

export interface PlanBuckets {
  bucketWallSec: number;
  /** Start of each bucket, wall seconds. */
  starts: number[];
  cohorts: Array<{ name: string; arrivals: number[]; total: number; peakRate: number }>;
  totals: number[];
}

/** Expected arrivals per cohort per wall-time bucket. */
export function planBuckets(plan: Plan, buckets = 20): PlanBuckets {
  const n = Math.max(1, Math.floor(buckets));
  const width = plan.wallDurationSec / n;
  const starts = Array.from({ length: n }, (_, i) => i * width);
  const cohorts = plan.cohorts.map((c) => {
    const arrivals = starts.map((s) => expectedArrivalsBetween(plan, c, s, s + width));
    return { name: c.name, arrivals, total: arrivals.reduce((a, b) => a + b, 0), peakRate: c.peakRate };
  });
  const totals = starts.map((_, i) => cohorts.reduce((a, c) => a + c.arrivals[i]!, 0));
  return { bucketWallSec: width, starts, cohorts, totals };
}

/** One line for the whole plan. */
export function describePlanLine(plan: Plan): string {
  const total = plan.cohorts.reduce((a, c) => a + c.expectedArrivals, 0);
  return (
    `${plan.name}: ${formatDuration(plan.scenarioDurationSec)} of scenario time from ${plan.scenarioStart} ` +
    `in ${formatDuration(plan.wallDurationSec)} wall (x${formatCompression(plan.compression)}), sample ${plan.sample}, ` +
    `${plan.cohorts.length} cohort${plan.cohorts.length === 1 ? '' : 's'}, ~${formatCount(total)} arrivals, seed ${plan.seed}`
  );
}

/** k6-style line: "Up to 120.0 arrivals/s over 2m for cohort newcomers-us (...)" */
export function describeCohort(plan: Plan, cohort: PlanCohort): string {
  const who = cohort.preexisting
    ? `${formatCount(cohort.people)} existing accounts`
    : `~${formatCount(cohort.people)} new people`;
  return (
    `Up to ${formatRate(cohort.peakRate)} arrivals/s over ${formatDuration(plan.wallDurationSec)} for cohort ${cohort.name} ` +
    `(~${formatCount(cohort.expectedArrivals)} arrivals, ${who}, ${Math.round(cohort.returningShare * 100)}% returning)`
  );
}

function formatCompression(c: number): string {
  return c >= 100 ? String(Math.round(c)) : String(Math.round(c * 100) / 100);
}

/** Multi-line description: the plan line, a line and sparkline per cohort, events and faults. */
export function describePlan(plan: Plan, opts: { buckets?: number } = {}): string {
  const b = planBuckets(plan, opts.buckets ?? 40);
  const lines = [describePlanLine(plan)];
  const width = Math.max(...plan.cohorts.map((c) => c.name.length), 5);
  plan.cohorts.forEach((c, i) => {
    lines.push(`  ${describeCohort(plan, c)}`);
    lines.push(`    ${c.name.padEnd(width)} |${sparkline(b.cohorts[i]!.arrivals)}|`);
  });
  if (plan.cohorts.length > 1) lines.push(`    ${'all'.padEnd(width)} |${sparkline(b.totals)}|`);
  for (const e of plan.events) {
    lines.push(`  event ${e.name} (${e.kind}) at ${formatDuration(e.atWallSec)} wall = ${atScenario(plan, e.atScenarioSec)}: ${e.description}`);
  }
  for (const f of plan.faults) {
    lines.push(`  fault ${f.kind} at ${formatDuration(f.atWallSec)} wall for ${formatDuration(f.durationSec)}`);
  }
  return lines.join('\n');
}

function atScenario(plan: Plan, scenarioSec: number): string {
  const when = new Date(Date.parse(plan.scenarioStart) + scenarioSec * 1000).toISOString().replace(':00.000Z', 'Z');
  return `scenario +${formatDuration(scenarioSec)} (${when})`;
}

/** The table printed by `flashcrowd plan`: expected arrivals per cohort per wall-time bucket. */
export function renderPlanTable(plan: Plan, buckets = 20): string {
  const b = planBuckets(plan, buckets);
  const header = ['wall'.padEnd(9), 'scenario time'.padEnd(17), ...plan.cohorts.map((c) => c.name.padStart(Math.max(10, c.name.length))), 'total'.padStart(10)];
  const rows = [header.join(' ')];
  b.starts.forEach((start, i) => {
    const when = new Date(Date.parse(plan.scenarioStart) + start * plan.compression * 1000).toISOString().slice(5, 16).replace('T', ' ');
    rows.push(
      [
        formatDuration(start).padEnd(9),
        (when + 'Z').padEnd(17),
        ...plan.cohorts.map((c, j) => formatCount(b.cohorts[j]!.arrivals[i]!).padStart(Math.max(10, c.name.length))),
        formatCount(b.totals[i]!).padStart(10),
      ].join(' '),
    );
  });
  rows.push(
    ['total'.padEnd(9), ''.padEnd(17), ...plan.cohorts.map((c, j) => formatCount(b.cohorts[j]!.total).padStart(Math.max(10, c.name.length))), formatCount(b.totals.reduce((a, x) => a + x, 0)).padStart(10)].join(' '),
  );
  return rows.join('\n');
}

/** JSON form of a plan: everything but the rate functions, which are sampled per bucket. */
export function planToJson(plan: Plan, buckets = 20): Record<string, unknown> {
  const b = planBuckets(plan, buckets);
  return {
    ...plan,
    cohorts: plan.cohorts.map((c, i) => {
      const { rate, ...rest } = c;
      return {
        ...rest,
        buckets: {
          expectedArrivals: b.cohorts[i]!.arrivals,
          /** Rate at the middle of each bucket, arrivals per wall second. */
          ratePerSec: b.starts.map((s) => rate(s + b.bucketWallSec / 2)),
        },
      };
    }),
    buckets: { bucketWallSec: b.bucketWallSec, starts: b.starts, totals: b.totals },
    summary: describePlanLine(plan),
  };
}
