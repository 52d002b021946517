// The run pipeline shared by `run` and `demo`: scenario -> target (embedded backend, URL, or user adapter) ->
// plugins (feed quality, metrics, abort-on-fail) -> engine -> verdict -> run folder. Returns the exit code.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Registry } from 'prom-client';
import { loadScenario } from '../scenario/load.ts';
import type { Plan } from '../scenario/plan.ts';
import { createPopulation } from '../population/store.ts';
import { followTargets } from '../population/follow.ts';
import { createContentGenerator } from '../content/generator.ts';
import { runPlan, type RunProgress } from '../engine/run.ts';
import type { SetupProgress } from '../engine/setup.ts';
import type { RunPlugin } from '../run/plugin.ts';
import { createHttpTarget } from '../target/http-target.ts';
import { AdapterLoadError, instantiateAdapter, isBuiltinAdapter, loadAdapter } from '../target/load-adapter.ts';
import type { Target, TargetFactory } from '../target/target.ts';
import { createFeedQualityPlugin } from '../observe/feed-quality-plugin.ts';
import { createMetricsPlugin, type MetricsPlugin } from '../metrics/harness-metrics.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/server.ts';
import { createThresholdAbortPlugin, parseThreshold } from '../report/thresholds/index.ts';
import { finalizeSummary, writeRunFolder, type SummaryParts } from '../report/write.ts';
import type { Summary, Timeline } from '../run/summary.ts';
import { EXIT_OK, EXIT_THRESHOLDS_FAILED, UsageError } from '../errors/exit-codes.ts';
import { faultsOf, startFaultableBackend } from './managed-backend.ts';
import { createEventActuatorPlugin } from '../engine/event-actuator.ts';
import { createReferenceControl } from '../target/control.ts';

/** Encoded HDR histograms and counters of a run (see LatencyRecorder.encode / ScheduleRecorder.encode). */
export const HISTOGRAMS_FILE = 'histograms.json';

export interface ExecuteRunOptions {
  scenario: string;
  /** Base URL of the system under test; without it (and without `adapter`) the embedded reference backend runs. */
  target?: string;
  adapter?: string;
  seed?: number;
  duration?: string;
  compress?: string;
  sample?: number;
  workers?: number;
  /** Play only shard `index` of `count` (0-based): disjoint arrivals and people; merge the run folders after. */
  shard?: { index: number; count: number };
  /** Run folder; default runs/<scenario>-<UTC timestamp>. */
  out?: string;
  runsDir?: string;
  metricsPort?: number;
  thresholds?: string[];
  abortOnFail?: boolean;
  quiet?: boolean;
  /** Options for the embedded backend (demo passes its own). */
  backend?: Record<string, unknown>;
  /**
   * Operator token of an external target, for scenario events that switch features (the reference backend's
   * `surge.translation.adminToken`). A backend the harness starts gets a fresh one.
   */
  adminToken?: string;
  /** Faults in wall time, added to the scenario's (see docs/reliability.md), e.g. "kill@20s,stall@40s:2s". */
  chaos?: string;
  /** Extra plugins (after feed quality, metrics and abort-on-fail). */
  plugins?: RunPlugin[];
  /** Install SIGINT handling (first Ctrl-C drains, second aborts). Default true. */
  handleSignals?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream;
}

export interface ExecuteRunResult {
  summary: Summary;
  timeline: Timeline;
  plan: Plan;
  runDir: string;
  files: string[];
  exitCode: number;
}

export async function executeRun(opts: ExecuteRunOptions): Promise<ExecuteRunResult> {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const say = (line: string) => void (opts.quiet ? undefined : out.write(line + '\n'));
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 64)) {
    throw new UsageError(`--workers ${opts.workers}: expected a whole number from 1 to 64`);
  }
  if (opts.target && opts.adapter === undefined) checkUrl(opts.target);
  if (opts.shard && !(Number.isInteger(opts.shard.index) && Number.isInteger(opts.shard.count) && opts.shard.index >= 0 && opts.shard.index < opts.shard.count)) {
    throw new UsageError(`--segment ${opts.shard.index}/${opts.shard.count}: expected i/N with 0 <= i < N`);
  }
  if (opts.shard && (opts.workers ?? 1) > 1) throw new UsageError('--segment and --workers cannot be combined yet: run more segments, or use workers');

  const overrides = { seed: opts.seed, durationSec: opts.duration, compress: opts.compress, sample: opts.sample };
  const { plan } = await loadScenario(opts.scenario, overrides);
  const faults = faultsOf(plan.faults, opts.chaos);
  if (faults.length && (opts.target ?? plan.target.url)) throw new UsageError('faults (scenario faults or --chaos) need the reference backend the harness starts: remove --target (and the scenario target url)');
  const thresholds = [...plan.thresholds, ...(opts.thresholds ?? [])];
  thresholds.forEach((expr, i) => {
    try {
      parseThreshold(expr);
    } catch (e) {
      throw new UsageError(`threshold ${i + 1} '${expr}': ${(e as Error).message}`);
    }
  });

  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    while (closers.length) await closers.pop()!().catch((e: unknown) => err.write(`close failed: ${(e as Error).message}\n`));
  };
  try {
    // Target.
    let url = opts.target ?? plan.target.url;
    if (!url && opts.adapter === 'atproto') throw new UsageError("--adapter atproto needs --target <PDS URL>; start a stack with 'flashcrowd stack atproto'");
    let label = url ?? '';
    let faultPlugin: RunPlugin | undefined;
    let adminToken = opts.adminToken;
    const ownBackend = () => {
      adminToken = randomBytes(24).toString('base64url');
      return withAdminToken({ trustProxy: true, logLevel: 'error', ...opts.backend }, adminToken);
    };
    if (!url && faults.length) {
      say(`starting the reference backend as a child process (${faults.length} fault(s) to inject) ...`);
      const managed = await startFaultableBackend(faults, ownBackend());
      closers.push(() => managed.close());
      url = managed.url;
      label = managed.label;
      faultPlugin = managed.plugin;
    } else if (!url) {
      say('starting the embedded reference backend ...');
      const { startEmbeddedBackend } = await import('./backend-thread.ts');
      // trustProxy: the harness's synthetic per-person addresses (X-Forwarded-For) are what per-IP limits see.
      const backend = await startEmbeddedBackend(ownBackend());
      closers.push(() => backend.close());
      url = backend.url;
      label = `embedded reference backend (${url})`;
    } else {
      checkUrl(url);
      await checkReachable(url);
    }
    let factory: TargetFactory = createHttpTarget;
    if (opts.adapter) {
      try {
        factory = await loadAdapter(opts.adapter);
      } catch (e) {
        if (e instanceof AdapterLoadError) throw new UsageError(e.message);
        throw e;
      }
    }
    let target: Target;
    try {
      target = await instantiateAdapter(factory, { url, connections: plan.target.connections, timeoutMs: plan.target.timeoutMs }, opts.adapter ?? 'http target');
    } catch (e) {
      if (e instanceof AdapterLoadError) throw new UsageError(e.message);
      throw e;
    }
    closers.push(() => target.close());
    if (opts.adapter) label = `${target.name} via ${opts.adapter} (${url})`;

    // Plugins.
    const population = createPopulation(plan);
    const content = createContentGenerator(plan.seed);
    const feedQuality = createFeedQualityPlugin(plan);
    const plugins: RunPlugin[] = [feedQuality];
    let metrics: MetricsPlugin | undefined;
    if (opts.metricsPort !== undefined) {
      const registry = new Registry();
      metrics = createMetricsPlugin(registry, { feedSnapshot: () => feedQuality.snapshot() });
      plugins.push(metrics);
      let server: MetricsServer;
      try {
        server = await startMetricsServer({ port: opts.metricsPort, registry });
      } catch (e) {
        throw new UsageError(`--metrics-port ${opts.metricsPort}: ${(e as Error).message}`);
      }
      closers.push(() => server.close());
      say(`metrics: ${server.url}`);
    }
    let live: () => Partial<Summary> = () => ({});
    if (opts.abortOnFail && thresholds.length) {
      plugins.push(
        createThresholdAbortPlugin(thresholds, () => {
          const fq = feedQuality.snapshot();
          return { ...live(), feedQuality: fq, audit: fq.audit ?? { checkedWrites: 0, lostWrites: 0 } };
        }),
      );
    }

    if (faultPlugin) plugins.push(faultPlugin);
    if (plan.events.some((e) => e.kind === 'translation')) {
      if (adminToken) plugins.push(createEventActuatorPlugin(createReferenceControl(url, adminToken), say));
      else say('note: the scenario has a translation event but no --admin-token was given: the target\'s translation switch is left as it is');
    }
    plugins.push(...(opts.plugins ?? []));

    // Ctrl-C: first drains, second aborts in-flight requests.
    const interrupt = new AbortController();
    const hard = new AbortController();
    let sigints = 0;
    const onSigint = () => {
      sigints++;
      if (sigints === 1) {
        err.write(`\nstopping: no new arrivals, draining in-flight requests (up to ${plan.gracefulStopSec}s); Ctrl-C again to abort them\n`);
        interrupt.abort();
      } else hard.abort();
    };
    if (opts.handleSignals !== false) {
      process.on('SIGINT', onSigint);
      closers.push(async () => void process.off('SIGINT', onSigint));
    }

    say(`${plan.name}: ${plan.wallDurationSec}s wall, ${plan.cohorts.length} cohort(s), target ${label}`);
    const progress = createProgressPrinter(out, opts.quiet ?? false);
    const outcome = await runPlan({
      plan,
      target,
      population,
      content,
      follows: (i, policy, seq, eligible) => followTargets(population, i, policy, seq, eligible),
      plugins,
      signal: interrupt.signal,
      hardSignal: hard.signal,
      onProgress: progress.update,
      log: (line) => (progress.clear(), err.write(`${line}\n`)),
      targetLabel: label,
      exposeSnapshot: (fn) => (live = fn),
      shard: opts.shard,
      workers:
        (opts.workers ?? 1) > 1
          ? {
              count: opts.workers!,
              scenario: path.resolve(opts.scenario),
              overrides,
              target: { url, adapter: opts.adapter ? (isBuiltinAdapter(opts.adapter) ? opts.adapter : path.resolve(opts.adapter)) : undefined },
            }
          : undefined,
    });
    progress.done();

    const summary = finalizeSummary(outcome.summary as SummaryParts, thresholds);
    metrics?.recordSummary(summary);
    const runDir = path.resolve(opts.out ?? path.join(opts.runsDir ?? 'runs', `${safeName(plan.name)}-${timestamp(summary.startedAt)}`));
    const { files } = await writeRunFolder(runDir, { summary, timeline: outcome.timeline, plan });
    // Exact histograms beside the summary, so sharded runs can be merged without losing precision.
    const histogramsFile = path.join(runDir, HISTOGRAMS_FILE);
    await writeFile(histogramsFile, JSON.stringify({ version: 1, shard: opts.shard ?? null, ...outcome.recorders }) + '\n', 'utf8');
    files.push(histogramsFile);
    printResult(say, summary, runDir, outcome.stoppedEarly);
    return { summary, timeline: outcome.timeline, plan, runDir, files, exitCode: summary.pass ? EXIT_OK : EXIT_THRESHOLDS_FAILED };
  } finally {
    await closeAll();
  }
}

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--target '${url}' is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--target '${url}': only http:// and https:// targets are supported`);
}

/** A quick TCP connect, so an unreachable target is a usage error (exit 2), not a run full of connect_refused. */
export function checkReachable(url: string, timeoutMs = 3000): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new UsageError(`target ${url} is unreachable (${why}); is it running? Without --target the embedded backend is used.`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer in ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** 2025-01-13T01:02:03.456Z -> 20250113T010203Z */
export function timestamp(iso: string): string {
  return (iso || new Date().toISOString()).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function printResult(say: (line: string) => void, s: Summary, runDir: string, stoppedEarly?: string): void {
  const t = s.totals;
  say(
    `done in ${s.wallSeconds.toFixed(1)}s: ${t.requests} requests, ${t.errors} errors, ${t.sessionsStarted} sessions (${t.sessionsDropped} dropped), ` +
      `${t.signups} signups, ${t.posts} posts; schedule lag p99 ${s.schedule.lagMs.p99} ms`,
  );
  if (stoppedEarly) say(`stopped early: ${stoppedEarly}`);
  for (const th of s.thresholds) say(`  ${th.pass ? 'PASS' : 'FAIL'}  ${th.expr}  (observed ${th.observed ?? 'n/a'}${th.message ? `; ${th.message}` : ''})`);
  if (s.audit.lostWrites) say(`  FAIL  lost writes: ${s.audit.lostWrites} of ${s.audit.checkedWrites} acknowledged writes are missing`);
  say(`${s.pass ? 'PASS' : 'FAIL'} — run folder: ${runDir} (report.html, summary.json, junit.xml)`);
}

/** TTY: one self-rewriting line. Not a TTY (CI): a plain line every 10 s. */
function createProgressPrinter(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, quiet: boolean) {
  const tty = Boolean(out.isTTY);
  let lastPlain = -Infinity;
  let drawn = false;
  const clear = () => {
    if (tty && drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  const update = (p: RunProgress | SetupProgress) => {
    if (quiet) return;
    let line: string;
    if (p.phase === 'setup') {
      line = `setup: ${p.step === 'account' ? 'accounts' : 'follows and seed posts'} ${p.done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''}`;
    } else {
      const width = 20;
      const frac = p.plannedSec > 0 ? Math.min(1, p.elapsedSec / p.plannedSec) : 1;
      const filled = Math.round(frac * width);
      const bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
      line =
        `${bar} ${p.elapsedSec.toFixed(0)}/${p.plannedSec.toFixed(0)}s${p.phase === 'draining' ? ' draining' : ''}  ` +
        `arrivals ${p.started}/${p.intended}  dropped ${p.dropped}  rps ${p.rps}  errors ${p.errors}  p99 ${p.p99Ms.toFixed(0)}ms  active ${p.activeSessions}`;
    }
    if (tty) {
      const columns = out.columns && out.columns > 20 ? out.columns : 120;
      out.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
      drawn = true;
    } else {
      const now = performance.now();
      if (now - lastPlain < 10_000 && p.phase !== 'setup') return;
      if (p.phase === 'setup' && now - lastPlain < 10_000 && p.done !== p.total) return;
      lastPlain = now;
      out.write(line + '\n');
    }
  };
  return { update, clear, done: clear };
}

/** Backend options with an operator token for translation events, unless the caller configured one. */
function withAdminToken(backend: Record<string, unknown>, token: string): Record<string, unknown> {
  const surge = (backend.surge ?? {}) as Record<string, unknown>;
  const translation = (surge.translation ?? {}) as Record<string, unknown>;
  return { ...backend, surge: { ...surge, translation: { adminToken: token, ...translation } } };
}
