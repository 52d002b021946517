import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { AdapterLoadError, builtinAdapterNames, instantiateAdapter, loadAdapter } from '../target/load-adapter.ts';
import { runConformance, type CheckRow } from '../target/conformance.ts';
import type { Target } from '../target/target.ts';

const FLAGS = {
  target: { type: 'string', placeholder: 'URL', help: 'the backend (required)' },
  adapter: { type: 'string', placeholder: 'FILE|name', help: `adapter module or built-in (${builtinAdapterNames().join(', ')}; default reference)` },
  timeout: { type: 'duration', default: 10, help: 'per-request timeout' },
  'visibility-timeout': { type: 'duration', default: 10, help: "how long a post may take to reach a follower's following feed" },
  json: { type: 'boolean', help: 'print {target, adapter, rows: [{step, capability?, status, detail, ms?}], pass}' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd check --target URL [--adapter FILE|name] [options]

A conformance run of an adapter against a live backend before any load: each operation once, in the order a
person meets them (two signups, a second signup (outcome 'exists'), login, follow (again: outcome 'already'),
post, get it back, see it in the follower's following feed, discover, comment, like (again), comment and
following listings, then get user, translate, report, unfollow when declared). Prints what worked, what was
skipped (not declared by the adapter's capabilities) and what failed and why, including feed items lacking
id/authorId/createdAt/lang and a post not visible in the follower's feed within --visibility-timeout.

Options:
${flagHelp(FLAGS, 24)}

Exit codes: 0 every declared capability works, 1 something failed, 2 bad adapter or usage.
`;

const MARK: Record<CheckRow['status'], string> = { worked: 'ok  ', skipped: 'skip', failed: 'FAIL' };

export function formatRow(row: CheckRow, width: number): string {
  const ms = row.ms === undefined ? '' : `${row.ms} ms`;
  return `  ${MARK[row.status]}  ${row.step.padEnd(width)}  ${ms.padStart(8)}  ${row.detail}`;
}

const check: Command = {
  name: 'check',
  summary: 'conformance run of an adapter against a live backend (each operation once)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, usage, { name: 'argument', min: 0, max: 0 });
    if (!values.target) throw new UsageError(`--target URL is required\n\n${usage}`);
    let url: URL;
    try {
      url = new URL(values.target);
    } catch {
      throw new UsageError(`--target ${values.target}: not a URL (expected e.g. http://127.0.0.1:8080)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target ${values.target}: expected an http(s) URL`);
    const timeoutMs = values.timeout * 1000;
    const visibilityTimeoutMs = values['visibility-timeout'] * 1000;
    const adapter = values.adapter ?? 'reference';
    let target: Target;
    try {
      target = await instantiateAdapter(await loadAdapter(adapter), { url: values.target, connections: 8, timeoutMs }, adapter);
    } catch (err) {
      if (err instanceof AdapterLoadError) throw new UsageError(err.message);
      throw err;
    }
    const out = process.stdout;
    const width = 42;
    if (!values.json) out.write(`flashcrowd check: ${target.name} (${adapter}) against ${values.target}\n`);
    try {
      const report = await runConformance(target, { visibilityTimeoutMs, onRow: values.json ? undefined : (row) => out.write(formatRow(row, width) + '\n') });
      const count = (s: CheckRow['status']) => report.rows.filter((r) => r.status === s).length;
      if (values.json) out.write(JSON.stringify({ ...report, adapter, url: values.target }, null, 2) + '\n');
      else {
        out.write(`\n${count('worked')} worked, ${count('skipped')} skipped (not supported), ${count('failed')} failed: ${report.pass ? 'PASS' : 'FAIL'}\n`);
      }
      return report.pass ? EXIT_OK : EXIT_FAILURE;
    } finally {
      await target.close();
    }
  },
};

export default check;
