// flashcrowd run <scenario>: play a scenario against a target and write the run folder.
import type { Command } from './command.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { PORT, WORKERS } from '../scenario/limits.ts';
import { SCENARIO_FLAGS } from './common-flags.ts';
import { executeRun } from './pipeline.ts';
import { parseSegment, SegmentError } from '../shard/segment.ts';
import { ContainerRuntimeUnavailable, startContainerStack, type ContainerStack } from '../stack/containers.ts';

const FLAGS = {
  target: { type: 'string', placeholder: 'URL', help: 'system under test (reference API, or your API with --adapter). Without it the embedded\nreference backend is started for the run and stopped after.' },
  adapter: {
    type: 'string',
    placeholder: 'FILE|NAME',
    help: 'a module default-exporting a TargetFactory for a differently shaped API (see docs/target-contract.md),\nor a built-in adapter by name: reference (the default) or atproto (an AT Protocol PDS + AppView;\nsee docs/targets/atproto.md)',
  },
  ...SCENARIO_FLAGS,
  workers: { type: 'number', range: WORKERS, help: 'run the arrivals in N worker threads (disjoint shards; recorders and plugins stay in the\nmain thread); default 1' },
  segment: {
    type: 'string',
    placeholder: 'i/N',
    help: "play only segment i of N (0-based, as Kubernetes' JOB_COMPLETION_INDEX): disjoint arrivals\nand people, for running one scenario from N processes or machines; each run folder has\nhistograms.json, and flashcrowd merge combines them exactly (docs/k6-and-scaling-out.md)",
  },
  out: { type: 'string', placeholder: 'DIR', help: 'run folder (default runs/<scenario>-<UTC timestamp>)' },
  'metrics-port': { type: 'number', range: PORT, placeholder: 'P', help: 'serve flashcrowd_* Prometheus metrics on 127.0.0.1:P/metrics during the run (0 = any port)' },
  threshold: { type: 'string', multiple: true, placeholder: 'EXPR', help: "an extra threshold, repeatable, e.g. --threshold 'p99(signup) < 800ms'" },
  'abort-on-fail': { type: 'boolean', help: 'stop early once a threshold is lost for good' },
  'admin-token': {
    type: 'string',
    placeholder: 'T',
    help: 'operator token of the target (reference backend: surge.translation.adminToken; or\nFLASHCROWD_ADMIN_TOKEN) so scenario events can switch features, e.g. translation launching',
  },
  quiet: { type: 'boolean', help: 'no progress or result lines (errors and the final verdict line still print)' },
  chaos: {
    type: 'string',
    placeholder: 'SPEC',
    help: 'inject faults at wall times, e.g. "kill@20s,stall@40s:2s,slow-store@30s:10s:200ms,cut-redis@50s:5s"\n(the reference backend then runs as a child process; see docs/reliability.md)',
  },
  'backend-db': { type: 'string', placeholder: 'DB', help: 'store of the reference backend the harness starts: embedded (default) or postgres://…' },
  'backend-redis': { type: 'string', placeholder: 'R', help: 'its cache: memory (default) or redis://…' },
  stack: {
    type: 'string',
    placeholder: 'containers',
    choices: ['containers'],
    help: 'give that backend a throwaway Postgres and Redis through testcontainers (needs Docker or\nPodman; removed after the run); without a container runtime: exit 2 with the alternatives',
  },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd run <scenario.ts|scenario.json> [options]

Play a scenario as an open-model load: arrivals follow each cohort's rate curve whether or not the target keeps
up; arrivals beyond a cohort's in-flight cap are dropped and counted; latency is measured from the intended start
(coordinated-omission corrected) as well as service time. Writes runs/<scenario>-<UTC timestamp>/ with
summary.json, timeline.json, junit.xml, summary.md and report.html.

Options:
${flagHelp(FLAGS)}

Ctrl-C stops arrivals and drains in-flight requests (up to the scenario's graceful stop), then writes the run
folder; a second Ctrl-C aborts in-flight requests at once.

Exit codes: 0 all thresholds passed, 99 a threshold failed (or a write was lost), 2 usage/scenario/adapter error
or unreachable target, 1 unexpected failure.

Examples:
  flashcrowd run scenarios/smoke.ts
  flashcrowd run scenarios/rednote-jan-2025.ts --compress '48h->10m' --sample 0.01 --target http://127.0.0.1:8080
  flashcrowd run scenarios/smoke.ts --target http://127.0.0.1:9000 --adapter ./my-adapter.ts --threshold 'errors.rate < 0.05'
  flashcrowd run scenarios/smoke.ts --adapter atproto --target http://127.0.0.1:2583
`;

const command: Command = {
  name: 'run',
  summary: 'play a scenario against a target (or the embedded backend) and write the run folder',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'scenario file', min: 1, max: 1 });
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
        seed: values.seed,
        duration: values.duration,
        compress: values.compress,
        sample: values.sample,
        workers: values.workers,
        out: values.out,
        metricsPort: values['metrics-port'],
        thresholds: values.threshold,
        abortOnFail: values['abort-on-fail'],
        quiet: values.quiet,
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
