// Read a run folder back (for `report` and `compare`), with errors a user can act on.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/exit-codes.ts';
import type { Summary, Timeline } from '../run/summary.ts';

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${path}: not found; is this a flashcrowd run folder (it needs ${what})?` : `${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function check(cond: boolean, path: string, field: string): void {
  if (!cond) throw new UsageError(`${path}: missing or malformed field "${field}"; is this a flashcrowd summary.json?`);
}

export async function readRunFolder(dir: string, options: { timeline?: boolean } = {}): Promise<{ summary: Summary; timeline: Timeline | undefined }> {
  const sPath = join(dir, 'summary.json');
  const summary = (await readJson(sPath, 'summary.json')) as Summary;
  check(summary !== null && typeof summary === 'object', sPath, '(root)');
  check(typeof summary.scenario === 'string', sPath, 'scenario');
  for (const f of ['totals', 'endpoints', 'schedule', 'feedQuality', 'audit'] as const) check(typeof summary[f] === 'object' && summary[f] !== null, sPath, f);
  if (!Array.isArray(summary.thresholds)) summary.thresholds = [];
  let timeline: Timeline | undefined;
  if (options.timeline !== false) {
    const tPath = join(dir, 'timeline.json');
    timeline = (await readJson(tPath, 'timeline.json')) as Timeline;
    check(Array.isArray(timeline?.buckets), tPath, 'buckets');
    if (!Array.isArray(timeline.events)) timeline.events = [];
  }
  return { summary, timeline };
}
