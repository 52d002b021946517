import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/scenario/compile.ts';
import { constant, ramp } from '../../src/scenario/curves.ts';
import { describeCohort, describePlan, describePlanLine, planBuckets, sparkline } from '../../src/scenario/describe.ts';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.ts';

const plan = compilePlan({
  name: 'describe-me',
  seed: 4,
  timeline: { start: '2025-01-13T01:00:00Z', duration: '2h', compress: '2h->2m' },
  cohorts: [
    { name: 'newcomers-us', curve: ramp({ from: 0, to: 2, end: '2h' }) },
    { name: 'incumbents', preexisting: true, size: 100, curve: constant(1) },
  ],
  events: [{ name: 'translation-launch', kind: 'translation', at: '1h', description: 'translate button' }],
});

describe('describe', () => {
  it('sparkline scales to the maximum and leaves zeros blank', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▂▃▅█');
    expect(sparkline([0, 0])).toBe('  ');
    expect(sparkline([3, 3])).toBe('██');
  });

  it('k6-style line per cohort', () => {
    // ramp to 2/scenario s over 2 h, x60 -> peak 120 wall arrivals/s (+5 % margin)
    expect(describeCohort(plan, plan.cohorts[0]!)).toMatch(/^Up to 126\.0 arrivals\/s over 2m for cohort newcomers-us \(~7,200 arrivals, ~5,760 new people, 20% returning\)$/);
    expect(describeCohort(plan, plan.cohorts[1]!)).toContain('100 existing accounts');
    expect(describePlanLine(plan)).toBe(
      'describe-me: 2h of scenario time from 2025-01-13T01:00:00.000Z in 2m wall (x60), sample 1, 2 cohorts, ~7,300 arrivals, seed 4',
    );
  });

  it('buckets follow the ramp linearly', () => {
    const b = planBuckets(plan, 4);
    expect(b.bucketWallSec).toBe(30);
    const arrivals = b.cohorts[0]!.arrivals;
    // the ramp's area in quarters: 1:3:5:7
    expect(arrivals.map((a) => Math.round((a / arrivals[0]!) * 1000) / 1000)).toEqual([1, 3, 5, 7]);
  });

  it('describePlan includes sparklines and events', () => {
    const text = describePlan(plan, { buckets: 8 });
    expect(text.split('\n')[0]).toBe(describePlanLine(plan));
    expect(text).toContain('newcomers-us |▁▂▃▄▅▆▇█|');
    expect(text).toContain('event translation-launch (translation) at 1m wall = scenario +1h (2025-01-13T02:00Z): translate button');
  });
});

describe('JSON Schema', () => {
  it('the committed scenarios/scenario.schema.json is current', () => {
    const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../scenarios/scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(scenarioJsonSchema());
    expect((committed.required as string[]).sort()).toEqual(['cohorts', 'name', 'timeline']);
  });
});
