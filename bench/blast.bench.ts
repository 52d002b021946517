// blast benchmark: against a one-worker nginx on 127.0.0.1 (so the target is not the bottleneck), in one run and
// with the same connection count: maximum throughput of blast vs autocannon vs wrk; schedule fidelity of blast at
// fixed rates; and a coordinated-omission check against the same nginx stalled (SIGSTOP) 1 s every 10 s.
// BENCH_BASELINE_REF=<git ref> adds that commit's blast (src/raw-load/blast) to the throughput rounds, so before and
// after are measured in the same run. Results: bench/results/blast.json and bench/results/blast.md.
import { execSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { runBlast, type BlastResult } from '../src/raw-load/blast/blast.ts';

const CONNECTIONS = 50;
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 2;
const FIDELITY_RATES = [1000, 5000, 20000];
const STALL_PERIOD_SEC = 10;
const STALL_SEC = 1;
const CO_RATE = 1000;
const CO_SECONDS = 30;
const BASELINE = process.env.BENCH_BASELINE_REF;
const ONLY_MAX = process.env.BENCH_ONLY_MAX === '1';

/** runBlast of an older commit: its src/raw-load/blast files in a temporary folder beside our node_modules. */
async function baselineBlast(ref: string): Promise<{ runBlast: typeof runBlast; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-blast-baseline-'));
  execSync(`git archive ${ref} src/raw-load/blast | tar -x -C ${dir}`);
  symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
  const mod = (await import(path.join(dir, 'src/raw-load/blast/blast.ts'))) as { runBlast: typeof runBlast };
  return { runBlast: mod.runBlast, dir };
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startNginx(): Promise<{ url: string; workerPid: number; stop(): void }> {
  const nginx = which('nginx') ?? (which('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
  if (!nginx) throw new Error('nginx not found: apt-get install nginx-light');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-bench-nginx-'));
  mkdirSync(path.join(dir, 'logs'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; worker_processes 1; error_log ${dir}/logs/error.log; pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:${port}; location / { return 200 'ok'; } } }\n`,
  );
  const child: ChildProcess = spawn(nginx, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const masterPid = Number(readFileSync(path.join(dir, 'nginx.pid'), 'utf8'));
  const workerPid = Number(spawnSync('pgrep', ['-P', String(masterPid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
  return {
    url: `http://127.0.0.1:${port}/`,
    workerPid,
    stop() {
      try {
        process.kill(workerPid, 'SIGCONT');
      } catch {}
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A tool's throughput and its own CPU per request (user + sys), measured in one go, and nginx's. */
interface MaxRun {
  rps: number;
  cpuUsPerRequest: number | null;
  serverCpuUsPerRequest?: number | null;
}

/** CPU time (user + sys) of a process so far, µs, from /proc (Linux); null elsewhere. */
function procCpuUs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Runs one tool's max-throughput round and adds nginx's CPU per request to its figures. */
async function withServerCpu(pid: number, run: () => Promise<MaxRun | null> | MaxRun | null): Promise<MaxRun | null> {
  const before = procCpuUs(pid);
  const r = await run();
  const after = procCpuUs(pid);
  if (!r) return r;
  const seconds = MAX_SECONDS;
  return { ...r, serverCpuUsPerRequest: before === null || after === null ? null : (after - before) / (r.rps * seconds) };
}

/** An in-process client (blast, autocannon): this process's CPU over the run (it does nothing else meanwhile). */
async function inProcess(run: () => Promise<{ requests: number; seconds: number }>): Promise<MaxRun> {
  const cpu = process.cpuUsage();
  const r = await run();
  const d = process.cpuUsage(cpu);
  return { rps: r.requests / r.seconds, cpuUsPerRequest: (d.user + d.system) / r.requests };
}

async function autocannonMax(url: string): Promise<MaxRun> {
  return inProcess(async () => {
    const r = await autocannon({ url, connections: CONNECTIONS, duration: MAX_SECONDS, pipelining: 1 });
    return { requests: r.requests.total, seconds: r.duration };
  });
}

function wrkMax(url: string): MaxRun | null {
  if (!which('wrk')) return null;
  const time = which('/usr/bin/time');
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${MAX_SECONDS}s`, url];
  const r = time ? spawnSync(time, ['-f', 'cpu %U %S', 'wrk', ...args], { encoding: 'utf8' }) : spawnSync('wrk', args, { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const n = /(\d+) requests in/.exec(r.stdout);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!m) return null;
  return { rps: Number(m[1]), cpuUsPerRequest: cpu && n ? ((Number(cpu[1]) + Number(cpu[2])) * 1e6) / Number(n[1]) : null };
}

function stallLoop(pid: number, signal: AbortSignal): void {
  const cycle = () => {
    if (signal.aborted) return;
    setTimeout(() => {
      if (signal.aborted) return;
      process.kill(pid, 'SIGSTOP');
      setTimeout(() => {
        process.kill(pid, 'SIGCONT');
        cycle();
      }, STALL_SEC * 1000);
    }, (STALL_PERIOD_SEC - STALL_SEC) * 1000);
  };
  cycle();
}

/**
 * Expected corrected p99 with a stall of S every T at a constant rate: a fraction S/T of arrivals land in a stall,
 * and one landing u seconds into it waits S - u, uniformly spread over (0, S]. The slowest 1 % of all requests are
 * the slowest (T/S)·1 % of the stalled ones, so p99 = S·(1 - 0.01·T/S) plus the normal service time.
 */
function expectedCoP99Ms(baseP99Ms: number): number {
  return STALL_SEC * 1000 * (1 - (0.01 * STALL_PERIOD_SEC) / STALL_SEC) + baseP99Ms;
}

async function main() {
  const startedAt = new Date().toISOString();
  const loadAvgAtStart = os.loadavg();
  const nginx = await startNginx();
  const baseline = BASELINE ? await baselineBlast(BASELINE) : undefined;
  const results: Record<string, unknown> = {};
  try {
    // 1. Maximum throughput, alternating tools to share the machine's noise fairly.
    const max: Record<string, MaxRun[]> = { blast: [], autocannon: [], wrk: [], blastBaseline: [] };
    const blastMax = (fn: typeof runBlast) =>
      inProcess(async () => {
        const r = await fn({ url: nginx.url, rate: 0, durationSec: MAX_SECONDS, connections: CONNECTIONS });
        return { requests: r.requests, seconds: r.durationSec };
      });
    const show = (r: MaxRun | null | undefined) =>
      r ? `${r.rps.toFixed(0)}/s (${r.cpuUsPerRequest?.toFixed(2) ?? '?'} µs CPU/req, nginx ${r.serverCpuUsPerRequest?.toFixed(2) ?? '?'})` : 'n/a';
    for (let round = 0; round < ROUNDS; round++) {
      const pid = nginx.workerPid;
      if (baseline) max.blastBaseline!.push((await withServerCpu(pid, () => blastMax(baseline.runBlast)))!);
      max.blast!.push((await withServerCpu(pid, () => blastMax(runBlast)))!);
      max.autocannon!.push((await withServerCpu(pid, () => autocannonMax(nginx.url)))!);
      const w = await withServerCpu(pid, () => wrkMax(nginx.url));
      if (w !== null) max.wrk!.push(w);
      console.log(`round ${round + 1}: blast ${show(max.blast!.at(-1))}, autocannon ${show(max.autocannon!.at(-1))}, wrk ${show(w)}${baseline ? `, blast at ${BASELINE} ${show(max.blastBaseline!.at(-1))}` : ''}`);
    }
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const meanRps = (runs: MaxRun[]) => mean(runs.map((r) => r.rps));
    const meanCpu = (runs: MaxRun[]) => mean(runs.flatMap((r) => (r.cpuUsPerRequest === null ? [] : [r.cpuUsPerRequest])));
    const tools = ['blast', 'autocannon', 'wrk', 'blastBaseline'] as const;
    results.maxThroughput = {
      connections: CONNECTIONS,
      secondsPerRun: MAX_SECONDS,
      rounds: ROUNDS,
      runs: max,
      mean: Object.fromEntries(tools.map((t) => [t, meanRps(max[t]!)])),
      cpuUsPerRequest: Object.fromEntries(tools.map((t) => [t, meanCpu(max[t]!)])),
      serverCpuUsPerRequest: Object.fromEntries(tools.map((t) => [t, mean(max[t]!.flatMap((r) => (r.serverCpuUsPerRequest == null ? [] : [r.serverCpuUsPerRequest])))])),
      baselineRef: BASELINE ?? null,
    };
    if (ONLY_MAX) return;

    // 2. Schedule fidelity at fixed rates.
    const fidelity: Array<Record<string, number>> = [];
    for (const rate of FIDELITY_RATES) {
      const r = await runBlast({ url: nginx.url, rate, durationSec: MAX_SECONDS, connections: CONNECTIONS });
      fidelity.push({ intendedRate: rate, achievedRate: r.achievedRate, achievedShare: r.achievedRate / rate, lagP50Ms: r.scheduleLagMs.p50, lagP99Ms: r.scheduleLagMs.p99, dropped: r.dropped, errors: r.errors, correctedP99Ms: r.correctedLatencyMs.p99 });
      console.log(`fidelity ${rate}/s: achieved ${r.achievedRate}/s, lag p99 ${r.scheduleLagMs.p99} ms, dropped ${r.dropped}`);
    }
    results.fidelity = fidelity;

    // 3. Coordinated omission: nginx's worker stopped for 1 s every 10 s.
    const base = await runBlast({ url: nginx.url, rate: CO_RATE, durationSec: 3, connections: CONNECTIONS });
    const abort = new AbortController();
    stallLoop(nginx.workerPid, abort.signal);
    let co: BlastResult;
    try {
      co = await runBlast({ url: nginx.url, rate: CO_RATE, durationSec: CO_SECONDS, connections: CONNECTIONS, maxBacklog: CO_RATE * 2 });
    } finally {
      abort.abort();
      process.kill(nginx.workerPid, 'SIGCONT');
    }
    const expected = expectedCoP99Ms(base.latencyMs.p99);
    results.coordinatedOmission = {
      rate: CO_RATE,
      seconds: CO_SECONDS,
      stall: `${STALL_SEC}s every ${STALL_PERIOD_SEC}s`,
      expectedCorrectedP99Ms: expected,
      correctedP99Ms: co.correctedLatencyMs.p99,
      uncorrectedP99Ms: co.latencyMs.p99,
      correctedErrorShare: Math.abs(co.correctedLatencyMs.p99 - expected) / expected,
      uncorrectedErrorShare: Math.abs(co.latencyMs.p99 - expected) / expected,
      dropped: co.dropped,
      errors: co.errors,
    };
    console.log(`CO: expected p99 ${expected.toFixed(0)} ms, corrected ${co.correctedLatencyMs.p99} ms, uncorrected ${co.latencyMs.p99} ms`);
  } finally {
    nginx.stop();
    if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
  }
  if (ONLY_MAX) {
    console.log(JSON.stringify({ loadAvgAtStart, loadAvgAtEnd: os.loadavg(), ...results }, null, 2));
    return;
  }

  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvgAtStart, loadAvgAtEnd: os.loadavg() };
  const doc = { benchmark: 'blast', startedAt, machine, ...results };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/blast.json', JSON.stringify(doc, null, 2) + '\n');
  const m = results.maxThroughput as { mean: Record<string, number | null>; cpuUsPerRequest: Record<string, number | null>; serverCpuUsPerRequest: Record<string, number | null> };
  const f = results.fidelity as Array<Record<string, number>>;
  const c = results.coordinatedOmission as Record<string, number>;
  const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? 'n/a' : n.toFixed(d));
  const md = [
    `# blast benchmark (${startedAt})`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, Node ${machine.node}, load average ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' / ')} at start, ${machine.loadAvgAtEnd.map((x) => x.toFixed(2)).join(' / ')} at end (1/5/15 min; shared machine: compare only rows of this run). Target: nginx, 1 worker, \`return 200\`, on 127.0.0.1.`,
    '',
    `## Maximum throughput (${CONNECTIONS} connections, no pipelining, ${MAX_SECONDS} s × ${ROUNDS} rounds, same run)`,
    '',
    '| tool | requests/s (mean) | client CPU µs / request | nginx CPU µs / request |',
    '|---|---|---|---|',
    `| flashcrowd blast --rate 0 | ${fmt(m.mean.blast)} | ${fmt(m.cpuUsPerRequest.blast, 2)} | ${fmt(m.serverCpuUsPerRequest.blast, 2)} |`,
    `| autocannon | ${fmt(m.mean.autocannon)} | ${fmt(m.cpuUsPerRequest.autocannon, 2)} | ${fmt(m.serverCpuUsPerRequest.autocannon, 2)} |`,
    `| wrk -t1 | ${fmt(m.mean.wrk)} | ${fmt(m.cpuUsPerRequest.wrk, 2)} | ${fmt(m.serverCpuUsPerRequest.wrk, 2)} |`,
    ...(m.mean.blastBaseline
      ? [`| flashcrowd blast --rate 0 at ${BASELINE} (before) | ${fmt(m.mean.blastBaseline)} | ${fmt(m.cpuUsPerRequest.blastBaseline, 2)} | ${fmt(m.serverCpuUsPerRequest.blastBaseline, 2)} |`]
      : []),
    '',
    m.mean.blast && m.mean.wrk && m.mean.autocannon
      ? `Throughput: blast ${(m.mean.blast / m.mean.wrk).toFixed(2)}x wrk -t1, ${(m.mean.blast / m.mean.autocannon).toFixed(2)}x autocannon${m.mean.blastBaseline ? `, ${(m.mean.blast / m.mean.blastBaseline).toFixed(2)}x the blast of ${BASELINE}` : ''}. ` +
        `Client CPU per request (the figure that stays comparable when a loaded machine starves nginx): wrk's is ${m.cpuUsPerRequest.wrk && m.cpuUsPerRequest.blast ? (m.cpuUsPerRequest.wrk / m.cpuUsPerRequest.blast).toFixed(2) : 'n/a'}x blast's, autocannon's ${m.cpuUsPerRequest.autocannon && m.cpuUsPerRequest.blast ? (m.cpuUsPerRequest.autocannon / m.cpuUsPerRequest.blast).toFixed(2) : 'n/a'}x.`
      : '',
    '',
    '## Schedule fidelity (blast --rate N)',
    '',
    '| intended/s | achieved/s | achieved share | lag p50 ms | lag p99 ms | dropped |',
    '|---|---|---|---|---|---|',
    ...f.map((r) => `| ${r.intendedRate} | ${fmt(r.achievedRate, 1)} | ${fmt(r.achievedShare! * 100, 2)} % | ${fmt(r.lagP50Ms, 2)} | ${fmt(r.lagP99Ms, 2)} | ${r.dropped} |`),
    '',
    `## Coordinated omission (${CO_RATE}/s for ${CO_SECONDS} s, target stopped ${STALL_SEC} s every ${STALL_PERIOD_SEC} s)`,
    '',
    '| | p99 ms | error vs expected |',
    '|---|---|---|',
    `| expected (analytic) | ${fmt(c.expectedCorrectedP99Ms)} | |`,
    `| blast corrected | ${fmt(c.correctedP99Ms)} | ${fmt(c.correctedErrorShare! * 100, 1)} % |`,
    `| blast uncorrected (service time) | ${fmt(c.uncorrectedP99Ms)} | ${fmt(c.uncorrectedErrorShare! * 100, 1)} % |`,
    '',
  ].join('\n');
  writeFileSync('bench/results/blast.md', md);
  console.log('\n' + md);
}

await main();
