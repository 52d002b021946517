// Spans modules: every shipped scenario's plan must be something the population can be built from, and the
// scenario's language settings must reach the people.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { compilePlan } from '../../src/scenario/compile.ts';
import { createPopulation } from '../../src/population/store.ts';

const root = resolve(import.meta.dirname, '../..');
const files = readdirSync(join(root, 'scenarios')).filter((f) => /\.(ts|json)$/.test(f) && !f.endsWith('.schema.json'));

describe('shipped scenarios build populations', () => {
  it.each(files)('%s', async (file) => {
    const { plan } = await loadScenario(join(root, 'scenarios', file));
    const pop = createPopulation(plan);
    expect(pop.size).toBe(plan.cohorts.reduce((n, c) => n + c.people, 0));
  });

  it('alsoReads reaches the people (instead of the population default of 30 % for Chinese speakers)', () => {
    const plan = compilePlan({
      name: 'also-reads',
      timeline: { start: '2025-01-13T01:00:00Z', duration: '1h' },
      cohorts: [{ name: 'incumbents', preexisting: true, size: 2000, locales: { zh_CN: 1 }, alsoReads: { en: 0.8 } }],
    });
    const pop = createPopulation(plan);
    let readers = 0;
    for (let i = 0; i < 2000; i++) {
      const p = pop.person(i);
      expect(p.primaryLanguage).toBe('zh');
      if (p.languages.includes('en')) readers++;
    }
    expect(readers / 2000).toBeGreaterThan(0.75);
    expect(readers / 2000).toBeLessThan(0.85);
  });
});
