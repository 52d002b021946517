import type { Command } from './command.ts';
import { parseCommandArgs, parseHeaderFlags } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { parseSlo } from '../raw-load/capacity/slo.ts';
import { runProbe, type ProbeStep } from '../raw-load/capacity/capacity-search.ts';
import { parseDuration } from '../scenario/clock.ts';

const usage = `Usage: flashcrowd probe <url> --slo "p99<200ms,errors<1%" [options]

Finds the highest request rate the target sustains while meeting the SLO, using autocannon at fixed overall
rates: the rate doubles from --start until a step fails (SLO violated, or less than 95% of the intended rate
achieved), then bisects between the last passing and the first failing rate.

Options:
  --slo S            clauses over p50 p90 p99 p999 (ms|s) and errors (%|ratio), comma-separated (required)
  --start N          first rate, requests/s (default 100)
  --max N            highest rate to try (default 100000)
  --step-duration D  duration of each step (default 5s)
  --connections N    autocannon connections (default 50)
  --method M, --body TEXT, --header 'K: V' (repeatable)
  --precision R      stop bisecting when the gap is below this share of the passing rate (default 0.05)
  --json             print {maxPassingRate, firstFailingRate, steps[]}

Note: autocannon measures latency from each request's actual send, so at rates near saturation its
percentiles are not corrected for coordinated omission; use \`flashcrowd blast --rate N\` to confirm a rate.
`;

function num(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${v}'`);
  return n;
}

function formatStep(s: ProbeStep): string {
  const f = s.figures;
  return `${s.pass ? 'pass' : 'FAIL'}  ${String(s.intendedRate).padStart(7)}/s -> ${String(s.achievedRate).padStart(9)}/s  p50 ${f.p50}ms p99 ${f.p99}ms errors ${(f.errors * 100).toFixed(2)}%${s.reasons.length ? `  (${s.reasons.join('; ')})` : ''}`;
}

const probe: Command = {
  name: 'probe',
  summary: 'autocannon-based search for the highest rate that meets an SLO',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs(
      argv,
      {
        slo: { type: 'string' },
        start: { type: 'string' },
        max: { type: 'string' },
        'step-duration': { type: 'string' },
        connections: { type: 'string' },
        method: { type: 'string' },
        body: { type: 'string' },
        header: { type: 'string', multiple: true },
        precision: { type: 'string' },
        json: { type: 'boolean' },
      },
    );
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('expected exactly one <url>; see --help');
    if (!values.slo) throw new UsageError('--slo is required, e.g. --slo "p99<200ms,errors<1%"');
    let slo;
    try {
      slo = parseSlo(values.slo);
    } catch (err) {
      throw new UsageError(`--slo: ${(err as Error).message}`);
    }
    const headers = parseHeaderFlags(values.header);
    let stepDurationSec = 5;
    if (values['step-duration'] !== undefined) {
      try {
        stepDurationSec = parseDuration(values['step-duration']);
      } catch (err) {
        throw new UsageError(`--step-duration: ${(err as Error).message}`);
      }
    }
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await runProbe({
        url: positionals[0]!,
        slo,
        startRate: num('start', values.start, 100),
        maxRate: num('max', values.max, 100_000),
        stepDurationSec: Math.max(1, Math.round(stepDurationSec)),
        connections: Math.floor(num('connections', values.connections, 50)),
        method: values.method,
        body: values.body,
        headers,
        precision: values.precision === undefined ? undefined : num('precision', values.precision, 0.05),
        signal: controller.signal,
        onStep: values.json ? undefined : (s) => process.stdout.write(formatStep(s) + '\n'),
      });
      if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
      else
        process.stdout.write(
          result.maxPassingRate > 0
            ? `highest rate meeting "${values.slo}": ${result.maxPassingRate}/s${result.firstFailingRate ? ` (fails at ${result.firstFailingRate}/s)` : ' (the --max rate still passed)'}\n`
            : `even ${values.start ?? 100}/s fails "${values.slo}"\n`,
        );
      return result.maxPassingRate > 0 ? EXIT_OK : EXIT_FAILURE;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

export default probe;
