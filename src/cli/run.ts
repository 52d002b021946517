// flashcrowd run <scenario>: play a scenario against a target and write the run folder.
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { executeRun } from './pipeline.ts';
import { parseSegment, SegmentError } from '../shard/segment.ts';
import { ContainerRuntimeUnavailable, startContainerStack, type ContainerStack } from '../stack/containers.ts';

const usage = `Usage: flashcrowd run <scenario.ts|scenario.json> [options]

Play a scenario as an open-model load: arrivals follow each cohort's rate curve whether or not the target keeps
up; arrivals beyond a cohort's in-flight cap are dropped and counted; latency is measured from the intended start
(coordinated-omission corrected) as well as service time. Writes runs/<scenario>-<UTC timestamp>/ with
summary.json, timeline.json, junit.xml, summary.md and report.html.

Options:
  --target URL        system under test (reference API, or your API with --adapter). Without it the embedded
                      reference backend is started for the run and stopped after.
  --adapter FILE|NAME a module default-exporting a TargetFactory for a differently shaped API
                      (see fixtures/adapters/example-adapter.ts), or a built-in adapter by name: reference (the
                      default) or atproto (an AT Protocol PDS + AppView; see docs/targets/atproto.md)
  --seed N            override the scenario's seed
  --duration D        play only the first D of scenario time (e.g. 48h)
  --compress X        scenario time per wall time, e.g. 48h->10m, or a factor
  --sample F          volume factor (0.01 = one person in a hundred)
  --workers N         run the arrivals in N worker threads (disjoint shards; recorders and plugins stay in the
                      main thread); default 1
  --segment i/N       play only segment i of N (0-based, as Kubernetes' JOB_COMPLETION_INDEX): disjoint arrivals
                      and people, for running one scenario from N processes or machines; each run folder has
                      histograms.json, and flashcrowd merge combines them exactly (docs/k6-and-scaling-out.md)
  --out DIR           run folder (default runs/<scenario>-<UTC timestamp>)
  --metrics-port P    serve flashcrowd_* Prometheus metrics on 127.0.0.1:P/metrics during the run (0 = any port)
  --threshold EXPR    an extra threshold, repeatable, e.g. --threshold 'p99(signup) < 800ms'
  --abort-on-fail     stop early once a threshold is lost for good
  --admin-token T     operator token of the target (reference backend: surge.translation.adminToken; or
                      FLASHCROWD_ADMIN_TOKEN) so scenario events can switch features, e.g. translation launching
  --quiet             no progress or result lines (errors still go to stderr)
  --chaos SPEC        inject faults at wall times, e.g. "kill@20s,stall@40s:2s,slow-store@30s:10s:200ms,cut-redis@50s:5s"
                      (the reference backend then runs as a child process; see docs/reliability.md)
  --backend-db DB     store of the reference backend the harness starts: embedded (default) or postgres://…
  --backend-redis R   its cache: memory (default) or redis://…
  --stack containers  give that backend a throwaway Postgres and Redis through testcontainers (needs Docker or
                      Podman; removed after the run); without a container runtime: exit 2 with the alternatives

Ctrl-C stops arrivals and drains in-flight requests (up to the scenario's graceful stop), then writes the run
folder; a second Ctrl-C aborts in-flight requests at once.

Exit codes: 0 all thresholds passed, 99 a threshold failed (or a write was lost), 2 usage/scenario/adapter error
or unreachable target, 1 unexpected failure.

Examples:
  flashcrowd run scenarios/smoke.ts
  flashcrowd run scenarios/rednote-jan-2025.ts --compress '48h->10m' --sample 0.01 --target http://127.0.0.1:8080
  flashcrowd run scenarios/smoke.ts --target http://127.0.0.1:9000 --adapter ./my-adapter.ts --threshold 'errors.rate < 0.05'
`;

function numberOption(name: string, value: string | undefined, check?: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (check && !check(n))) throw new UsageError(`--${name}: invalid value '${value}'`);
  return n;
}

const command: Command = {
  name: 'run',
  summary: 'play a scenario against a target (or the embedded backend) and write the run folder',
  usage,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          target: { type: 'string' },
          adapter: { type: 'string' },
          seed: { type: 'string' },
          duration: { type: 'string' },
          compress: { type: 'string' },
          sample: { type: 'string' },
          workers: { type: 'string' },
          segment: { type: 'string' },
          stack: { type: 'string' },
          out: { type: 'string' },
          'metrics-port': { type: 'string' },
          threshold: { type: 'string', multiple: true },
          'abort-on-fail': { type: 'boolean' },
          'admin-token': { type: 'string' },
          quiet: { type: 'boolean' },
          chaos: { type: 'string' },
          'backend-db': { type: 'string' },
          'backend-redis': { type: 'string' },
        },
      });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${usage}`);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(`expected exactly one scenario file\n\n${usage}`);
    if (values.adapter === 'atproto' && !values.target) throw new UsageError("--adapter atproto needs --target <PDS URL>; start a stack with 'flashcrowd stack atproto'");
    if (values.adapter && values.adapter !== 'reference' && !values.target) throw new UsageError('--adapter needs --target URL (the adapter talks to your API)');
    if (values.target && (values['backend-db'] || values['backend-redis'])) throw new UsageError('--backend-db/--backend-redis configure the backend the harness starts; they cannot be used with --target');
    const backend: Record<string, unknown> = {};
    if (values['backend-db']) backend.db = values['backend-db'];
    if (values['backend-redis']) backend.redis = values['backend-redis'];
    let shard: { index: number; count: number } | undefined;
    if (values.segment !== undefined) {
      try {
        shard = parseSegment(values.segment);
      } catch (err) {
        if (err instanceof SegmentError) throw new UsageError(err.message);
        throw err;
      }
    }
    let stack: ContainerStack | undefined;
    if (values.stack !== undefined) {
      if (values.stack !== 'containers') throw new UsageError(`--stack '${values.stack}': the only stack is 'containers' (Postgres and Redis through testcontainers)`);
      if (values.target || values['backend-db'] || values['backend-redis']) {
        throw new UsageError('--stack containers provides the embedded backend\'s Postgres and Redis: it cannot be used with --target, --backend-db or --backend-redis');
      }
      try {
        stack = await startContainerStack({
          log: (line) => void (values.quiet ? undefined : process.stdout.write(`${line}\n`)),
          alternatives: { db: '--backend-db', redis: '--backend-redis', target: true },
        });
      } catch (err) {
        if (err instanceof ContainerRuntimeUnavailable) throw new UsageError(err.message);
        throw err;
      }
      backend.db = stack.databaseUrl;
      backend.redis = stack.redisUrl;
    }
    try {
      const result = await executeRun({
        shard,
        scenario: positionals[0],
        target: values.target,
        adapter: values.adapter,
        seed: numberOption('seed', values.seed, Number.isInteger),
        duration: values.duration,
        compress: values.compress,
        sample: numberOption('sample', values.sample, (n) => n > 0 && n <= 1),
        workers: numberOption('workers', values.workers, (n) => Number.isInteger(n) && n >= 1),
        out: values.out,
        metricsPort: numberOption('metrics-port', values['metrics-port'], (n) => Number.isInteger(n) && n >= 0 && n < 65536),
        thresholds: values.threshold ?? [],
        abortOnFail: values['abort-on-fail'] ?? false,
        quiet: values.quiet ?? false,
        chaos: values.chaos,
        backend: Object.keys(backend).length ? backend : undefined,
        adminToken: values['admin-token'] ?? process.env.FLASHCROWD_ADMIN_TOKEN,
      });
      return result.exitCode;
    } finally {
      await stack?.close();
    }
  },
};

export default command;
