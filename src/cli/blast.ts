import type { Command } from './command.ts';
import { parseCommandArgs, parseHeaderFlags } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { runBlast, type BlastProgress, type BlastResult } from '../raw-load/blast/blast.ts';
import { DurationError, parseDuration } from '../scenario/clock.ts';

const usage = `Usage: flashcrowd blast <url> [options]

Raw constant-rate HTTP/1.1 load (open model, like wrk2): request i is intended at start + i/rate whatever
happened before it. Latency is reported as service time and as corrected time from the intended start
(coordinated omission). Requests that find no free connection wait in a bounded backlog; beyond it they are
dropped and counted.

Options:
  --rate N           requests per second (default 1000); 0 = as fast as possible (closed loop, max throughput)
  --duration D       how long to send, e.g. 10s, 2m (default 10s)
  --connections N    keep-alive connections (default 50); no pipelining
  --method M         HTTP method (default GET)
  --body TEXT        request body; @file reads it from a file
  --header 'K: V'    extra header (repeatable)
  --timeout D        per-request timeout (default 10s)
  --max-backlog N    requests allowed to wait for a connection (default: one second of arrivals)
  --json             print one JSON object: {intendedRate, achievedRate, requests, errors, dropped,
                     latencyMs {p50,p90,p99,p999,max}, correctedLatencyMs {...}, ...}
`;

function positiveNumber(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`);
  return n;
}

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    const s = parseDuration(value);
    if (s <= 0) throw new DurationError('must be greater than zero');
    return s;
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

export function formatBlastResult(r: BlastResult): string {
  const row = (label: string, l: BlastResult['latencyMs']) =>
    `  ${label.padEnd(11)} p50 ${l.p50.toFixed(2)}  p90 ${l.p90.toFixed(2)}  p99 ${l.p99.toFixed(2)}  p99.9 ${l.p999.toFixed(2)}  max ${l.max.toFixed(2)}  (ms)`;
  const codes = Object.entries(r.statusCodes).map(([code, n]) => `${code}: ${n}`).join(', ') || 'none';
  const kinds = Object.entries(r.errorsByKind).map(([k, n]) => `${k}: ${n}`).join(', ');
  return [
    `intended ${r.intendedRate ? `${r.intendedRate}/s` : 'max (closed loop)'}, achieved ${r.achievedRate}/s over ${r.durationSec}s with ${r.connections} connections`,
    `  requests ${r.requests}, errors ${r.errors}${kinds ? ` (${kinds})` : ''}, dropped ${r.dropped}`,
    `  status    ${codes}`,
    row('service', r.latencyMs),
    row('corrected', r.correctedLatencyMs),
    r.intendedRate ? `  schedule lag p50 ${r.scheduleLagMs.p50.toFixed(2)}  p99 ${r.scheduleLagMs.p99.toFixed(2)}  max ${r.scheduleLagMs.max.toFixed(2)} (ms)` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function progressPrinter(durationSec: number): ((p: BlastProgress) => void) | undefined {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  return (p) => {
    const line = `blast ${p.elapsedSec.toFixed(0)}/${durationSec}s  requests ${p.requests}  errors ${p.errors}  dropped ${p.dropped}`;
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (p.elapsedSec - lastLine >= 10) {
      lastLine = p.elapsedSec;
      process.stderr.write(line + '\n');
    }
  };
}

const blast: Command = {
  name: 'blast',
  summary: 'raw constant-rate requests, latency corrected for coordinated omission',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs(
      argv,
      {
        rate: { type: 'string' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        method: { type: 'string' },
        body: { type: 'string' },
        header: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'max-backlog': { type: 'string' },
        json: { type: 'boolean' },
      },
    );
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('expected exactly one <url>; see --help');
    const url = positionals[0]!;
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`'${url}' is not an http(s) URL`);
    }
    const headers = parseHeaderFlags(values.header);
    let body: string | Buffer | undefined = values.body;
    if (body?.startsWith('@')) {
      const { readFile } = await import('node:fs/promises');
      body = await readFile(body.slice(1)).catch((err: Error) => {
        throw new UsageError(`--body ${values.body}: ${err.message}`);
      });
    }
    const durationSec = seconds('duration', values.duration, 10);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await runBlast({
        url,
        rate: positiveNumber('rate', values.rate, 1000, true),
        durationSec,
        connections: Math.floor(positiveNumber('connections', values.connections, 50)),
        method: values.method,
        body,
        headers,
        timeoutMs: seconds('timeout', values.timeout, 10) * 1000,
        maxBacklog: values['max-backlog'] === undefined ? undefined : Math.floor(positiveNumber('max-backlog', values['max-backlog'], 0, true)),
        signal: controller.signal,
        onProgress: values.json ? undefined : progressPrinter(durationSec),
      });
      if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(values.json ? JSON.stringify(result) + '\n' : formatBlastResult(result) + '\n');
      return result.requests === 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

export default blast;
