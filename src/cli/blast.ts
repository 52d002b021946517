import type { Command } from './command.ts';
import { parseHeaderFlags } from './args.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { CONNECTIONS, COUNT, RATE } from '../scenario/limits.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { runBlast, type BlastProgress, type BlastResult } from '../raw-load/blast/blast.ts';

const FLAGS = {
  rate: { type: 'number', range: { ...RATE, min: 0, minExclusive: false }, default: 1000, help: 'requests per second; 0 = as fast as possible (closed loop, max throughput)' },
  duration: { type: 'duration', default: 10, help: 'how long to send, e.g. 10s, 2m' },
  connections: { type: 'number', range: CONNECTIONS, default: 50, help: 'keep-alive connections; no pipelining' },
  method: { type: 'string', placeholder: 'M', default: 'GET', help: 'HTTP method' },
  body: { type: 'string', placeholder: 'TEXT', help: 'request body; @file reads it from a file' },
  header: { type: 'string', multiple: true, placeholder: "'K: V'", help: 'extra header (repeatable)' },
  timeout: { type: 'duration', default: 10, help: 'per-request timeout' },
  'max-backlog': { type: 'number', range: { ...COUNT, min: 0 }, help: 'requests allowed to wait for a connection (default: one second of arrivals)' },
  json: {
    type: 'boolean',
    help: 'print one JSON object: {intendedRate, achievedRate, requests, errors, dropped,\nlatencyMs {p50,p90,p99,p999,max}, correctedLatencyMs {...}, ...}',
  },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd blast <url> [options]

Raw constant-rate HTTP/1.1 load (open model, like wrk2): request i is intended at start + i/rate whatever
happened before it. Latency is reported as service time and as corrected time from the intended start
(coordinated omission). Requests that find no free connection wait in a bounded backlog; beyond it they are
dropped and counted.

Options:
${flagHelp(FLAGS)}
`;

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
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: '<url>', min: 1, max: 1 });
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
    const durationSec = values.duration;
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await runBlast({
        url,
        rate: values.rate,
        durationSec,
        connections: values.connections,
        method: values.method,
        body,
        headers,
        timeoutMs: values.timeout * 1000,
        maxBacklog: values['max-backlog'],
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
