import type { Command } from './command.ts';
import { parseHeaderFlags } from './args.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { CONNECTIONS, RATE } from '../scenario/limits.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { parseSlo } from '../raw-load/capacity/slo.ts';
import { runProbe, type ProbeStep } from '../raw-load/capacity/capacity-search.ts';

const FLAGS = {
  slo: { type: 'string', placeholder: 'S', help: 'clauses over p50 p90 p99 p999 (ms|s) and errors (%|ratio), comma-separated (required)' },
  start: { type: 'number', range: RATE, default: 100, help: 'first rate, requests/s' },
  max: { type: 'number', range: RATE, default: 100_000, help: 'highest rate to try' },
  'step-duration': { type: 'duration', default: 5, help: 'duration of each step (whole seconds, at least 1)' },
  connections: { type: 'number', range: CONNECTIONS, default: 50, help: 'autocannon connections' },
  method: { type: 'string', placeholder: 'M', default: 'GET', help: 'HTTP method' },
  body: { type: 'string', placeholder: 'TEXT', help: 'request body' },
  header: { type: 'string', multiple: true, placeholder: "'K: V'", help: 'extra header (repeatable)' },
  precision: { type: 'number', range: { what: 'a share of the passing rate', min: 0, minExclusive: true, max: 1 }, default: 0.05, help: 'stop bisecting when the gap is below this share of the passing rate' },
  json: { type: 'boolean', help: 'print {maxPassingRate, firstFailingRate, steps[]}' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd probe <url> --slo "p99<200ms,errors<1%" [options]

Finds the highest request rate the target sustains while meeting the SLO, using autocannon at fixed overall
rates: the rate doubles from --start until a step fails (SLO violated, or less than 95% of the intended rate
achieved), then bisects between the last passing and the first failing rate.

Options:
${flagHelp(FLAGS)}

Note: autocannon measures latency from each request's actual send, so at rates near saturation its
percentiles are not corrected for coordinated omission; use \`flashcrowd blast --rate N\` to confirm a rate.
`;

function formatStep(s: ProbeStep): string {
  const f = s.figures;
  return `${s.pass ? 'pass' : 'FAIL'}  ${String(s.intendedRate).padStart(7)}/s -> ${String(s.achievedRate).padStart(9)}/s  p50 ${f.p50}ms p99 ${f.p99}ms errors ${(f.errors * 100).toFixed(2)}%${s.reasons.length ? `  (${s.reasons.join('; ')})` : ''}`;
}

const probe: Command = {
  name: 'probe',
  summary: 'autocannon-based search for the highest rate that meets an SLO',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: '<url>', min: 1, max: 1 });
    if (!values.slo) throw new UsageError('--slo is required, e.g. --slo "p99<200ms,errors<1%"');
    let slo;
    try {
      slo = parseSlo(values.slo);
    } catch (err) {
      throw new UsageError(`--slo: ${(err as Error).message}`);
    }
    const headers = parseHeaderFlags(values.header);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await runProbe({
        url: positionals[0]!,
        slo,
        startRate: values.start,
        maxRate: values.max,
        stepDurationSec: Math.max(1, Math.round(values['step-duration'])),
        connections: values.connections,
        method: values.method,
        body: values.body,
        headers,
        precision: values.precision,
        signal: controller.signal,
        onStep: values.json ? undefined : (s) => process.stdout.write(formatStep(s) + '\n'),
      });
      if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
      else
        process.stdout.write(
          result.maxPassingRate > 0
            ? `highest rate meeting "${values.slo}": ${result.maxPassingRate}/s${result.firstFailingRate ? ` (fails at ${result.firstFailingRate}/s)` : ' (the --max rate still passed)'}\n`
            : `even ${values.start}/s fails "${values.slo}"\n`,
        );
      return result.maxPassingRate > 0 ? EXIT_OK : EXIT_FAILURE;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

export default probe;
