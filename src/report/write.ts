// The run folder (DESIGN.md §7): summary.json, timeline.json, junit.xml, summary.md, report.html.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary, Timeline } from '../run/summary.ts';
import { evaluateThresholds } from './thresholds/evaluate.ts';
import { stableStringify } from './stable-json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderHtml, type HtmlReportInput } from './html/render.ts';

export const RUN_FILES = {
  summary: 'summary.json',
  timeline: 'timeline.json',
  junit: 'junit.xml',
  markdown: 'summary.md',
  html: 'report.html',
} as const;

/**
 * While a run is measured, its closed timeline seconds are appended here (one JSON bucket per line) instead of being
 * kept in memory; deleted once timeline.json (the same buckets, whole) is written. Left in the folder only by a
 * harness that died mid-run: then it is the timeline up to that second.
 */
export const TIMELINE_SPILL_FILE = 'timeline.partial.jsonl';

/** A summary before the verdict: every figure, thresholds and pass optional (replaced by finalizeSummary). */
export type SummaryParts = Pick<Summary, 'scenario' | 'seed' | 'startedAt' | 'wallSeconds' | 'target' | 'totals' | 'endpoints' | 'schedule' | 'feedQuality' | 'audit'> &
  Partial<Pick<Summary, 'thresholds' | 'pass'>> & { [extension: string]: unknown };

/**
 * Evaluate the thresholds against the figures and set the verdict.
 * pass = every threshold passes AND the audit found no lost writes (a lost write always fails a run).
 */
export function finalizeSummary(parts: SummaryParts, thresholds: readonly string[]): Summary {
  const { thresholds: _old, pass: _oldPass, ...figures } = parts;
  const results = evaluateThresholds(thresholds, figures as Summary);
  const pass = results.every((r) => r.pass) && (parts.audit.lostWrites ?? 0) === 0;
  return { ...figures, thresholds: results, pass } as Summary;
}

export interface RunFolderInput {
  summary: Summary;
  timeline: Timeline;
  /** The compiled plan, or just the facts the report shows. */
  plan?: Partial<NonNullable<HtmlReportInput['plan']>> & {
    observers?: { languageBands?: NonNullable<Timeline['plan']>['languageBands'] };
    languageBands?: NonNullable<Timeline['plan']>['languageBands'];
  };
}

/** Render the human-facing files (summary.md, junit.xml, report.html) from a finalized summary and its timeline. */
export function renderRunFiles({ summary, timeline, plan }: RunFolderInput): Record<string, string> {
  return {
    [RUN_FILES.junit]: renderJunit(summary),
    [RUN_FILES.markdown]: renderMarkdown(summary),
    [RUN_FILES.html]: renderHtml({ summary, timeline, plan }),
  };
}

/** The plan's facts worth keeping with the run (the Plan itself holds functions). */
function planFacts(plan: NonNullable<RunFolderInput['plan']>): NonNullable<Timeline['plan']> {
  const { description, compression, sample, scenarioStart, wallDurationSec, scenarioDurationSec } = plan;
  const languageBands = plan.observers?.languageBands ?? plan.languageBands;
  return { description, compression, sample, scenarioStart, wallDurationSec, scenarioDurationSec, ...(languageBands ? { languageBands } : {}) };
}

/**
 * Write the run folder. `data: false` re-renders only the human-facing files (for `flashcrowd report`).
 * Pass the compiled plan (or keep `timeline.plan`) so the report can show compression, sample and description.
 */
export async function writeRunFolder(dir: string, input: RunFolderInput, options: { data?: boolean } = {}): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  const contents: Record<string, string> = {};
  const plan = input.plan ?? input.timeline.plan;
  const timeline = plan ? { ...input.timeline, plan: planFacts(plan) } : input.timeline;
  if (options.data !== false) {
    contents[RUN_FILES.summary] = stableStringify(input.summary);
    contents[RUN_FILES.timeline] = JSON.stringify(timeline) + '\n';
  }
  Object.assign(contents, renderRunFiles({ summary: input.summary, timeline, plan: timeline.plan }));
  const files: string[] = [];
  for (const [name, text] of Object.entries(contents)) {
    const path = join(dir, name);
    await writeFile(path, text, 'utf8');
    files.push(path);
  }
  return { files };
}
