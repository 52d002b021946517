// report.html: one self-contained file (data, uPlot and styles inlined) that opens offline from disk.
// Static parts (header, tables) are rendered here with every string escaped; the charts are drawn in the browser
// by client.js from the embedded run data.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Summary, Timeline } from '../../run/summary.ts';
import type { Plan } from '../../scenario/plan.ts';
import { droppedRate, errorRate, fmtCount, fmtMs, fmtNum, fmtPct, fmtRatio, fmtSec, NO_DATA } from '../format.ts';
import { describeObserved } from '../thresholds/evaluate.ts';
import { unsupportedLines } from '../skipped.ts';

const require = createRequire(import.meta.url);
const asset = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');
let cachedAssets: { uplotJs: string; uplotCss: string; clientJs: string; css: string } | undefined;
function assets() {
  cachedAssets ??= {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    clientJs: asset('./client.js'),
    css: asset('./style.css'),
  };
  return cachedAssets;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe to embed in a <script> element: no `</script>`, `<!--`, or JS-breaking line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script text must not contain a closing tag either (uPlot's source does not, but be certain). */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

export interface HtmlReportInput {
  summary: Summary;
  timeline: Timeline;
  plan?: Partial<Pick<Plan, 'description' | 'compression' | 'sample' | 'scenarioStart' | 'wallDurationSec' | 'scenarioDurationSec'>>;
}

const h = escapeHtml;

function kpi(label: string, value: string, tone?: 'good' | 'bad'): string {
  return `<div class="kpi${tone ? ` ${tone}` : ''}"><div class="v">${h(value)}</div><div class="l">${h(label)}</div></div>`;
}

function card(id: string, title: string, sub: string, extra = '', smoothed = false, wide = false): string {
  return `<section class="card${wide ? ' wide' : ''}" id="chart-${id}"><h3><span>${h(title)}</span>${extra}</h3><p class="sub">${h(sub)}${smoothed ? '<span class="smoothable"></span>' : ''}</p><div class="plot"></div></section>`;
}

function scenarioTime(sec: number, compression: number | undefined): string {
  if (!compression || compression === 1) return '';
  const s = sec * compression;
  return s >= 3600 ? ` (scenario +${(s / 3600).toFixed(1)} h)` : ` (scenario +${Math.round(s / 60)} min)`;
}

export function renderHtml({ summary, timeline, plan: given }: HtmlReportInput): string {
  const plan = given ?? timeline.plan;
  const a = assets();
  const fq = summary.feedQuality;
  const failed = summary.thresholds.filter((t) => !t.pass);
  const worst = Object.entries(summary.endpoints).filter(([, e]) => e.count > 0 && e.latencyMs).sort(([, x], [, y]) => y.latencyMs!.p99 - x.latencyMs!.p99)[0];
  const er = errorRate(summary.totals);
  const dr = droppedRate(summary.totals);
  const verdict = summary.pass ? 'PASS' : 'FAIL';
  const title = `${summary.scenario} — ${verdict} — flashcrowd report`;

  const kpis = [
    kpi('requests', fmtCount(summary.totals.requests)),
    kpi('error rate', fmtPct(er), er !== null && er > 0.01 ? 'bad' : undefined),
    kpi('arrivals dropped', fmtPct(dr), dr !== null && dr > 0 ? 'bad' : undefined),
    kpi(worst ? `slowest p99 (${worst[0]})` : 'slowest p99', worst ? fmtMs(worst[1].latencyMs!.p99) : NO_DATA),
    kpi('schedule lag p99', fmtMs(summary.schedule.lagMs?.p99)),
    kpi('feed freshness p95', fmtSec(fq.freshnessSec?.p95)),
    kpi(`recall@${fq.recallAtK?.k ?? 'k'} mean`, fmtRatio(fq.recallAtK?.mean)),
    kpi('lost writes', fmtCount(summary.audit.lostWrites), summary.audit.lostWrites > 0 ? 'bad' : 'good'),
  ].join('');

  const thresholdRows = summary.thresholds.length
    ? summary.thresholds
        .map(
          (t) =>
            `<tr class="${t.pass ? '' : 'failed'}"><td class="${t.pass ? 'ok' : 'ko'}">${t.pass ? '✓ pass' : t.noData ? '✗ no data' : '✗ fail'}</td><td class="l"><code>${h(t.expr)}</code></td><td>${h(describeObserved(t.expr, t.observed))}</td><td class="note">${h(t.pass ? '' : (t.message ?? ''))}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="4" class="note">No thresholds were set for this run.</td></tr>';

  const endpointRows = Object.entries(summary.endpoints)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(
      ([name, e]) =>
        `<tr><td><code>${h(name)}</code></td><td>${fmtCount(e.count)}</td><td>${fmtNum(e.rps)}</td><td>${e.count ? `${fmtCount(e.errors)} (${fmtPct(e.errors / e.count)})` : NO_DATA}</td><td>${fmtMs(e.latencyMs?.p50)}</td><td>${fmtMs(e.latencyMs?.p95)}</td><td>${fmtMs(e.latencyMs?.p99)}</td><td>${fmtMs(e.correctedLatencyMs?.p99)}</td><td>${fmtMs(e.latencyMs?.max)}</td></tr>`,
    )
    .join('');

  const langs = [...new Set([...Object.keys(fq.languageMatch ?? {}), ...Object.keys(fq.foreignShare ?? {})])].sort();
  const fqRows = [
    ['freshness p50 / p95 / p99', fq.freshnessSec ? `${fmtSec(fq.freshnessSec.p50)} / ${fmtSec(fq.freshnessSec.p95)} / ${fmtSec(fq.freshnessSec.p99)}` : NO_DATA],
    [`recall@${fq.recallAtK?.k ?? 'k'} mean / p5`, fq.recallAtK ? `${fmtRatio(fq.recallAtK.mean)} / ${fmtRatio(fq.recallAtK.p5)}` : NO_DATA],
    ...langs.map((l) => [`${l} readers: language match / foreign share (discover)`, `${fmtPct(fq.languageMatch?.[l])} / ${fmtPct(fq.foreignShare?.[l])}`]),
    ['translation coverage', fmtPct(fq.translationCoverage)],
    ['moderation lag p50 / p95', fq.moderationLagSec ? `${fmtSec(fq.moderationLagSec.p50)} / ${fmtSec(fq.moderationLagSec.p95)}` : NO_DATA],
    ['degraded share', fmtPct(fq.degradedShare)],
  ]
    .map(([k, v]) => `<tr><td>${h(k!)}</td><td>${h(v!)}</td></tr>`)
    .join('');

  const eventColors: Record<string, string> = { translation: '#059669', shock: '#dc2626', cliff: '#7c3aed', outage: '#b91c1c', fault: '#b91c1c', note: '#475569' };
  const eventsList = timeline.events.length
    ? `<ul class="events">${timeline.events
        .map(
          (e) =>
            `<li><span class="dot" style="background:${eventColors[e.kind] ?? '#475569'}"></span><b>${h(e.name)}</b> at ${h(clock(e.at))}${e.endAt !== undefined ? `–${h(clock(e.endAt))}` : ''}${h(scenarioTime(e.at, plan?.compression))}${e.description ? ` — ${h(e.description)}` : ''}</li>`,
        )
        .join('')}</ul>`
    : '<p class="sub">No scenario events.</p>';

  const latencySelect = `<select id="latency-mode" aria-label="latency figure"><option value="latencyMs.p99">p99 service time</option><option value="latencyMs.p50">p50 service time</option><option value="correctedLatencyMs.p99">p99 from intended start</option><option value="correctedLatencyMs.p50">p50 from intended start</option></select>`;

  const meta: [string, string][] = [
    ['seed', String(summary.seed)],
    ['target', summary.target],
    ['started', summary.startedAt],
    ['wall', fmtSec(summary.wallSeconds)],
  ];
  if (plan?.compression && plan.compression !== 1) meta.push(['compression', `${fmtNum(plan.compression)}× (1 s wall = ${fmtSec(plan.compression)} scenario)`]);
  if (plan?.sample !== undefined && plan.sample !== 1) meta.push(['sample', String(plan.sample)]);
  meta.push(['thresholds', `${summary.thresholds.length - failed.length}/${summary.thresholds.length} passed`]);

  const bands = timeline.plan?.languageBands ?? (given as { observers?: { languageBands?: unknown } } | undefined)?.observers?.languageBands;
  const data = { summary, timeline: { ...timeline, plan: { compression: plan?.compression, sample: plan?.sample, languageBands: bands ?? {} } } };

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${h(title)}</title>
<style>${inlineStyle(a.uplotCss)}</style>
<style>${inlineStyle(a.css)}</style>
</head>
<body>
<header>
<h1><span>${h(summary.scenario)}</span><span class="verdict ${summary.pass ? 'pass' : 'fail'}">${verdict}</span></h1>
${plan?.description ? `<p class="desc">${h(plan.description)}</p>` : ''}
<dl>${meta.map(([k, v]) => `<div><dt>${h(k)}</dt><dd>${h(v)}</dd></div>`).join('')}</dl>
${typeof summary.stoppedEarly === 'string' ? `<p class="stopped">Stopped early: ${h(summary.stoppedEarly)}</p>` : ''}
</header>
<main>
<section class="kpis">${kpis}</section>
<h2>Thresholds</h2>
<table><thead><tr><th class="l">result</th><th class="l">threshold</th><th>observed</th><th class="l">why</th></tr></thead><tbody>${thresholdRows}</tbody></table>
<h2>Scenario events</h2>
${eventsList}
<h2>Load</h2>
<div class="grid">
${card('arrivals', 'Arrivals per cohort: intended vs achieved', 'Sessions started per second. Wide pale line: what the scenario asked for; thin line: what the engine started; red: dropped at the in-flight cap.', '', true)}
${card('throughput', 'Requests and errors', 'Requests per second (left) and failed requests per second by error class (right).')}
${card('latency', 'Latency per endpoint', 'Per-second percentile per endpoint. "From intended start" includes queueing (corrected for coordinated omission).', latencySelect)}
${card('schedule', 'Schedule lag and dropped arrivals', 'p99 delay between an arrival’s intended and actual start (left); dropped arrivals and sessions in flight (right).')}
</div>
<h2>Feed quality</h2>
<div class="grid">
${card('freshness', 'Freshness and moderation lag', 'p95 seconds from a post’s acknowledgement until it shows in a follower’s feed, and until a flagged post is gone.')}
${card('quality', 'Recall, translation coverage, degraded responses', 'Mean recall@k of following feeds; share of lookups served a translation; share of feed responses declaring degradation.')}
${card('languages', 'Discover feeds by reader language', 'Solid: share of items not in the reader’s primary language (foreign share); dashed: share in a language the reader reads; dotted: the scenario’s intended band.', '', true, true)}
</div>
<h2>Run figures</h2>
<div class="tables">
<div><table><thead><tr><th class="l">endpoint</th><th>count</th><th>rps</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>p99 corr.</th><th>max</th></tr></thead><tbody>${endpointRows || `<tr><td colspan="9" class="note">No requests were made.</td></tr>`}</tbody></table></div>
<div><table><thead><tr><th class="l">feed quality</th><th>value</th></tr></thead><tbody>${fqRows}</tbody></table>
<p class="sub">Sessions: ${fmtCount(summary.totals.sessionsStarted)} started, ${fmtCount(summary.totals.sessionsDropped)} dropped · arrivals intended ${fmtCount(summary.schedule.intendedArrivals)}, achieved ${fmtCount(summary.schedule.achievedArrivals)} · signups ${fmtCount(summary.totals.signups)} · posts ${fmtCount(summary.totals.posts)} · audit checked ${fmtCount(summary.audit.checkedWrites)} writes, ${fmtCount(summary.audit.lostWrites)} lost.</p>${unsupportedHtml(summary)}</div>
</div>
</main>
<footer>Generated by flashcrowd. Self-contained: opens offline; the run’s summary.json and timeline.json hold the same data. Charts drawn with uPlot (MIT licence, inlined).</footer>
<script type="application/json" id="flashcrowd-data">${scriptJson(data)}</script>
<script>${inlineScript(a.uplotJs)}</script>
<script>${inlineScript(a.clientJs)}</script>
</body>
</html>
`;
}

function clock(t: number): string {
  const s = Math.round(t);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Operations the target does not serve and writes the audit could not check, with the reasons (contract v2). */
function unsupportedHtml(summary: Summary): string {
  const lines = unsupportedLines(summary);
  if (!lines.length) return '';
  return `<p class="sub">Not supported by the target (not attempted, not counted as errors):</p><ul class="sub">${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
}
