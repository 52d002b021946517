// `run` and `demo` from the command line: the run assembly (engine/assembly.ts) plus what only the CLI does —
// flags to options, the embedded reference backend (only src/cli reaches backend code), Ctrl-C, the progress bar and
// the result lines. Returns the exit code with the result.
import type { Summary } from '../run/summary.ts';
import type { RunProgress } from '../engine/run.ts';
import type { SetupProgress } from '../engine/setup.ts';
import type { LogLevel } from '../run/plugin.ts';
import { renderVerdictLine } from '../report/text.ts';
import { runScenario, type ScenarioRunOptions, type ScenarioRunResult } from '../engine/assembly.ts';

export { HISTOGRAMS_FILE, checkReachable, timestamp } from '../engine/assembly.ts';

/** The run assembly's options (engine/assembly.ts), with the scenario overrides as flags give them and the CLI's own. */
export interface ExecuteRunOptions extends Omit<ScenarioRunOptions, 'overrides'> {
  seed?: number;
  duration?: string;
  compress?: string;
  sample?: number;
  quiet?: boolean;
  /** Install SIGINT handling (first Ctrl-C drains, second aborts). Default true. */
  handleSignals?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream;
}

export type ExecuteRunResult = ScenarioRunResult;

export async function executeRun(opts: ExecuteRunOptions): Promise<ExecuteRunResult> {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const say = (line: string) => void (opts.quiet ? undefined : out.write(line + '\n'));
  const progress = createProgressPrinter(out, opts.quiet ?? false);

  // Ctrl-C: first drains, second aborts in-flight requests.
  const interrupt = new AbortController();
  const hard = new AbortController();
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      err.write('\nstopping: no new arrivals, draining in-flight requests (up to the scenario\'s graceful stop); Ctrl-C again to abort them\n');
      interrupt.abort();
    } else hard.abort();
  };
  if (opts.handleSignals !== false) process.on('SIGINT', onSigint);
  try {
    const result = await runScenario(
      {
        ...opts,
        overrides: { seed: opts.seed, durationSec: opts.duration, compress: opts.compress, sample: opts.sample },
      },
      {
        say,
        // --quiet keeps warnings and errors only (the audit's progress lines are 'progress').
        log: (line: string, level?: LogLevel) => void (opts.quiet && (level === 'progress' || level === 'info') ? undefined : (progress.clear(), err.write(`${line}\n`))),
        onProgress: progress.update,
        startEmbeddedBackend: async (options) => (await import('./backend-thread.ts')).startEmbeddedBackend(options),
        signal: interrupt.signal,
        hardSignal: hard.signal,
      },
    );
    progress.done();
    printResult(say, result.summary, result.runDir, result.stoppedEarly);
    out.write(renderVerdictLine(result.summary, result.runDir) + '\n'); // the one line a quiet run prints
    return result;
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }
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
