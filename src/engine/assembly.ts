// One run assembly: scenario -> plan and its seeded world (people, content, follows) -> target (a built-in adapter by
// name, a user's module, or the reference API over a URL; checked before any traffic) -> the standard plugins (feed
// quality, metrics, abort-on-fail, faults, scenario events) -> runPlan -> verdict -> run folder. `run` and `demo`
// reach it through cli/pipeline.ts (which adds flags, printing, Ctrl-C and the embedded backend); worker threads,
// shards, `export k6` and the benchmarks use the same pieces.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompileOverrides } from '../scenario/compile.ts';
import type { FaultPlan, Plan } from '../scenario/plan.ts';
import { loadWorld, worldOf } from '../run/world.ts';
import type { LogLevel, RunPlugin } from '../run/plugin.ts';
import type { Summary, Timeline } from '../run/summary.ts';
import { createHttpTarget } from '../target/http-target.ts';
import { AdapterLoadError, instantiateAdapter, isBuiltinAdapter, loadAdapter } from '../target/load-adapter.ts';
import type { Target, TargetFactory } from '../target/target.ts';
import { createReferenceControl } from '../target/control.ts';
import { createFeedQualityPlugin } from '../observe/feed-quality-plugin.ts';
import { createMetricsPlugin, type MetricsPlugin } from '../metrics/harness-metrics.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/server.ts';
import { createThresholdAbortPlugin, parseThreshold } from '../report/thresholds/index.ts';
import { finalizeSummary, TIMELINE_SPILL_FILE, writeRunFolder, type SummaryParts } from '../report/write.ts';
import { EXIT_OK, EXIT_THRESHOLDS_FAILED, UsageError } from '../errors/exit-codes.ts';
import { faultsOf, startFaultableBackend } from './faults/managed-backend.ts';
import { createEventActuatorPlugin } from './event-actuator.ts';
import { runPlan, type RunProgress } from './run.ts';
import type { SetupProgress } from './setup.ts';

/** Encoded HDR histograms and counters of a run (see LatencyRecorder.encode / ScheduleRecorder.encode). */
export const HISTOGRAMS_FILE = 'histograms.json';

// ---------------------------------------------------------------------------------------------------------------
// The target.

export interface TargetSpec {
  url: string;
  /** A built-in adapter's name (`reference`, `atproto`) or a module path; absent = the reference API over HTTP. */
  adapter?: string;
  connections: number;
  timeoutMs: number;
}

/** Loads and instantiates the adapter and checks its contract; a bad adapter is a UsageError (exit 2). */
export async function openTarget(spec: TargetSpec): Promise<Target> {
  try {
    const factory: TargetFactory = spec.adapter ? await loadAdapter(spec.adapter) : createHttpTarget;
    return await instantiateAdapter(factory, { url: spec.url, connections: spec.connections, timeoutMs: spec.timeoutMs }, spec.adapter ?? 'http target');
  } catch (e) {
    if (e instanceof AdapterLoadError) throw new UsageError(e.message);
    throw e;
  }
}

/** An adapter argument as worker threads and shards must see it: names stay names, paths become absolute. */
export function portableAdapterRef(adapter: string | undefined): string | undefined {
  if (adapter === undefined) return undefined;
  return isBuiltinAdapter(adapter) ? adapter : path.resolve(adapter);
}

export function checkUrl(url: string): void {
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

// ---------------------------------------------------------------------------------------------------------------
// A whole run.

export interface ScenarioRunOptions {
  scenario: string;
  overrides?: CompileOverrides;
  /** Base URL of the system under test; without it (and without `adapter`) the reference backend is started. */
  target?: string;
  adapter?: string;
  workers?: number;
  /** Play only shard `index` of `count` (0-based): disjoint arrivals and people; merge the run folders after. */
  shard?: { index: number; count: number };
  /** Run folder; default <runsDir>/<scenario>-<UTC timestamp>. */
  out?: string;
  runsDir?: string;
  metricsPort?: number;
  thresholds?: string[];
  abortOnFail?: boolean;
  /** Options for a reference backend the run starts. */
  backend?: Record<string, unknown>;
  /** Operator token of an external target, for scenario events that switch features. A backend the run starts gets a fresh one. */
  adminToken?: string;
  /** Faults in wall time, added to the scenario's (docs/reliability.md), e.g. "kill@20s,stall@40s:2s". */
  chaos?: string;
  /** Extra plugins (after the standard ones). */
  plugins?: RunPlugin[];
}

/** What the caller provides: where lines go, the embedded backend (only the CLI may reach backend code), stop signals. */
export interface RunHost {
  /** Informational lines (a quiet run passes a no-op). */
  say(line: string): void;
  /** Diagnostics (stderr); a quiet host drops 'progress' and 'info' lines. */
  log(line: string, level?: LogLevel): void;
  onProgress?(p: RunProgress | SetupProgress): void;
  /** Starts the in-process reference backend for a run without a target; absent = such runs are refused. */
  startEmbeddedBackend?(options: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }>;
  /** Stop arrivals and drain (first Ctrl-C). */
  signal?: AbortSignal;
  /** Abort in-flight requests (second Ctrl-C). */
  hardSignal?: AbortSignal;
}

export interface ScenarioRunResult {
  summary: Summary;
  timeline: Timeline;
  plan: Plan;
  runDir: string;
  files: string[];
  exitCode: number;
  stoppedEarly?: string;
}

/** Checks the options that need no I/O; every problem is a UsageError naming the flag. */
function checkOptions(opts: ScenarioRunOptions): void {
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 64)) {
    throw new UsageError(`--workers ${opts.workers}: expected a whole number from 1 to 64`);
  }
  if (opts.target && opts.adapter === undefined) checkUrl(opts.target);
  const s = opts.shard;
  if (s && !(Number.isInteger(s.index) && Number.isInteger(s.count) && s.index >= 0 && s.index < s.count)) {
    throw new UsageError(`--segment ${s.index}/${s.count}: expected i/N with 0 <= i < N`);
  }
  if (s && (opts.workers ?? 1) > 1) throw new UsageError('--segment and --workers cannot be combined yet: run more segments, or use workers');
}

function checkThresholds(thresholds: string[]): void {
  thresholds.forEach((expr, i) => {
    try {
      parseThreshold(expr);
    } catch (e) {
      throw new UsageError(`threshold ${i + 1} '${expr}': ${(e as Error).message}`);
    }
  });
}

/** Closers run in reverse order of creation; a failing one is reported and the rest still run. */
class Resources {
  private readonly closers: (() => Promise<unknown>)[] = [];
  constructor(private readonly log: (line: string) => void) {}
  add(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }
  async closeAll(): Promise<void> {
    while (this.closers.length) await this.closers.pop()!().catch((e: unknown) => this.log(`close failed: ${(e as Error).message}`));
  }
}

interface OpenedTarget {
  target: Target;
  url: string;
  label: string;
  adminToken?: string;
  faultPlugin?: RunPlugin;
}

/** The system under test: a backend the run starts (embedded, or a child process when faults are planned), or the given URL. */
async function openRunTarget(opts: ScenarioRunOptions, plan: Plan, faults: FaultPlan[], host: RunHost, res: Resources): Promise<OpenedTarget> {
  let url = opts.target ?? plan.target.url;
  let label = url ?? '';
  let adminToken = opts.adminToken;
  let faultPlugin: RunPlugin | undefined;
  if (!url && opts.adapter && isBuiltinAdapter(opts.adapter) && opts.adapter !== 'reference') {
    throw new UsageError(`--adapter ${opts.adapter} needs --target <URL>${opts.adapter === 'atproto' ? "; start a stack with 'flashcrowd stack atproto'" : ''}`);
  }
  const ownBackend = () => {
    adminToken = randomBytes(24).toString('base64url');
    // trustProxy: the harness's synthetic per-person addresses (X-Forwarded-For) are what per-IP limits see.
    return withAdminToken({ trustProxy: true, logLevel: 'error', ...opts.backend }, adminToken);
  };
  if (!url && faults.length) {
    host.say(`starting the reference backend as a child process (${faults.length} fault(s) to inject) ...`);
    const managed = await startFaultableBackend(faults, ownBackend());
    res.add(() => managed.close());
    url = managed.url;
    label = managed.label;
    faultPlugin = managed.plugin;
  } else if (!url) {
    if (!host.startEmbeddedBackend) throw new UsageError('no --target given and no embedded backend available here');
    host.say('starting the embedded reference backend ...');
    const backend = await host.startEmbeddedBackend(ownBackend());
    res.add(() => backend.close());
    url = backend.url;
    label = `embedded reference backend (${url})`;
  } else {
    checkUrl(url);
    await checkReachable(url);
  }
  const target = await openTarget({ url, adapter: opts.adapter, connections: plan.target.connections, timeoutMs: plan.target.timeoutMs });
  res.add(() => target.close());
  if (opts.adapter) label = `${target.name} via ${opts.adapter} (${url})`;
  return { target, url, label, adminToken, faultPlugin };
}

interface StandardPlugins {
  plugins: RunPlugin[];
  metrics?: MetricsPlugin;
  /** Receives the engine's live figures, for abort-on-fail. */
  setLive(fn: () => Partial<Summary>): void;
}

async function standardPlugins(opts: ScenarioRunOptions, plan: Plan, thresholds: string[], opened: OpenedTarget, host: RunHost, res: Resources): Promise<StandardPlugins> {
  const feedQuality = createFeedQualityPlugin(plan);
  const plugins: RunPlugin[] = [feedQuality];
  let metrics: MetricsPlugin | undefined;
  if (opts.metricsPort !== undefined) {
    // prom-client is loaded only when metrics are served (loading it costs ~50-80 ms of CPU at start-up).
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    metrics = createMetricsPlugin(registry, { feedSnapshot: () => feedQuality.snapshot() });
    plugins.push(metrics);
    let server: MetricsServer;
    try {
      server = await startMetricsServer({ port: opts.metricsPort, registry });
    } catch (e) {
      throw new UsageError(`--metrics-port ${opts.metricsPort}: ${(e as Error).message}`);
    }
    res.add(() => server.close());
    host.say(`metrics: ${server.url}`);
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
  if (opened.faultPlugin) plugins.push(opened.faultPlugin);
  if (plan.events.some((e) => e.kind === 'translation')) {
    if (opened.adminToken) plugins.push(createEventActuatorPlugin(createReferenceControl(opened.url, opened.adminToken), host.say));
    else host.say("note: the scenario has a translation event but no --admin-token was given: the target's translation switch is left as it is");
  }
  plugins.push(...(opts.plugins ?? []));
  return { plugins, metrics, setLive: (fn) => (live = fn) };
}

export async function runScenario(opts: ScenarioRunOptions, host: RunHost): Promise<ScenarioRunResult> {
  checkOptions(opts);
  const overrides = opts.overrides ?? {};
  const world = await loadWorld(opts.scenario, overrides);
  const { plan } = world;
  const faults = faultsOf(plan.faults, opts.chaos);
  if (faults.length && (opts.target ?? plan.target.url)) {
    throw new UsageError('faults (scenario faults or --chaos) need the reference backend the harness starts: remove --target (and the scenario target url)');
  }
  const thresholds = [...plan.thresholds, ...(opts.thresholds ?? [])];
  checkThresholds(thresholds);

  const res = new Resources(host.log);
  try {
    const opened = await openRunTarget(opts, plan, faults, host, res);
    const std = await standardPlugins(opts, plan, thresholds, opened, host, res);
    host.say(`${plan.name}: ${plan.wallDurationSec}s wall, ${plan.cohorts.length} cohort(s), target ${opened.label}`);
    // The people are shaped by the target's identity policy (handles, emails, passwords), known once it is open.
    const people = opened.target.identity ? worldOf(plan, opened.target.identity) : world;
    // Closed timeline seconds go to a file in the run folder as they close (the harness keeps none of them); the
    // folder's name needs startedAt, known when the measured phase begins. Deleted once timeline.json is written.
    const runDirOf = (startedAt: string) => path.resolve(opts.out ?? path.join(opts.runsDir ?? 'runs', `${safeName(plan.name)}-${timestamp(startedAt)}`));
    let timelineFile: string | undefined;
    const outcome = await runPlan({
      ...people,
      target: opened.target,
      plugins: std.plugins,
      signal: host.signal,
      hardSignal: host.hardSignal,
      onProgress: host.onProgress,
      log: host.log,
      targetLabel: opened.label,
      exposeSnapshot: std.setLive,
      timelineFile: (startedAt) => (timelineFile = path.join(runDirOf(startedAt), TIMELINE_SPILL_FILE)),
      shard: opts.shard,
      workers:
        (opts.workers ?? 1) > 1
          ? { count: opts.workers!, scenario: path.resolve(opts.scenario), overrides, target: { url: opened.url, adapter: portableAdapterRef(opts.adapter) } }
          : undefined,
    });
    const summary = finalizeSummary(outcome.summary as SummaryParts, thresholds);
    std.metrics?.recordSummary(summary);
    const runDir = runDirOf(summary.startedAt);
    const { files } = await writeRunFolder(runDir, { summary, timeline: outcome.timeline, plan });
    if (timelineFile) await rm(timelineFile, { force: true });
    // Exact histograms beside the summary, so sharded runs can be merged without losing precision.
    const histogramsFile = path.join(runDir, HISTOGRAMS_FILE);
    await writeFile(histogramsFile, JSON.stringify({ version: 1, shard: opts.shard ?? null, ...outcome.recorders }) + '\n', 'utf8');
    files.push(histogramsFile);
    return {
      summary,
      timeline: outcome.timeline,
      plan,
      runDir,
      files,
      exitCode: summary.pass ? EXIT_OK : EXIT_THRESHOLDS_FAILED,
      stoppedEarly: outcome.stoppedEarly,
    };
  } finally {
    await res.closeAll();
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** 2025-01-13T01:02:03.456Z -> 20250113T010203Z */
export function timestamp(iso: string): string {
  return (iso || new Date().toISOString()).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Backend options with an operator token for translation events, unless the caller configured one. */
function withAdminToken(backend: Record<string, unknown>, token: string): Record<string, unknown> {
  const surge = (backend.surge ?? {}) as Record<string, unknown>;
  const translation = (surge.translation ?? {}) as Record<string, unknown>;
  return { ...backend, surge: { ...surge, translation: { adminToken: token, ...translation } } };
}
