// Session-mode engine benchmark (issue 15): `flashcrowd run bench/scenarios/read-heavy.ts` (1,000 preexisting
// people, 40 sessions/s, 20 actions per session, 50 ms think time) in a CHILD process against an in-memory
// reference-API server in ANOTHER process (bench/helpers/memory-api.mjs: plain node:http), so the HTTP client's cost
// counts. Reported: client CPU µs per request (user + sys of the whole child, every thread, setup and audit
// included, divided by the HTTP requests the server received from it), requests per CPU-second (what one core
// drives), and the child's peak RSS.
//
// Only ratios measured in one run mean anything on a shared machine, so BENCH_BASELINE_REF=<git ref> also plays the
// scenario with the code of that commit (src/ and bin/ extracted to a temporary folder, node_modules shared),
// alternating with the working tree, BENCH_ROUNDS times each (default 1); with BENCH_BASELINE_PATHS=a,b only those
// files come from the ref, the rest from the working tree (isolates one's own changes on a shared tree). BENCH_CPU_PROF=DIR writes a V8 CPU
// profile of the working tree's child there. FLASHCROWD_BENCH_SECONDS sets the scenario's wall duration (60).
// BENCH_DIST=1 plays the compiled package, as installed users run it: each tree (the working tree's src/ copied to a
// temporary folder, and the baseline's) is built with its own scripts/build.mjs into its own dist/, and played with
// FLASHCROWD_DIST=1 (the shared checkout's dist/ is left alone).
// Results: bench/results/engine-sessions.json|md (earlier runs kept in the JSON's history and rendered too).
import { spawn, execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.FLASHCROWD_BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const BASELINE = process.env.BENCH_BASELINE_REF;
const BASELINE_PATHS = process.env.BENCH_BASELINE_PATHS?.split(',').filter(Boolean);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const LABEL = process.env.BENCH_LABEL ?? '';
const DIST = process.env.BENCH_DIST === '1';
const RESULTS = path.join(root, 'bench/results');

interface Server {
  url: string;
  requests(): Promise<number>;
  stop(): void;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [path.join(root, 'bench/helpers/memory-api.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`memory-api exited with ${code}`)));
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    // The stats request itself is counted by the server; leave it out.
    requests: async () => ((await (await fetch(`${url}/__stats`)).json()) as { requests: number }).requests - 1,
    stop: () => child.kill(),
  };
}

/**
 * A tree holding `ref`'s src/ and bin/ beside the working tree's node_modules, fixtures, scenario and usage hook. With
 * `only` (paths), the tree is the WORKING TREE's src/ and bin/ with just those files taken from `ref`: on a tree
 * other people edit at the same time, that compares one's own changes and nothing else.
 */
function extractBaseline(ref: string | undefined, only: string[] | undefined): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-baseline-'));
  if (only || !ref) {
    for (const d of ['src', 'bin', 'scripts', 'package.json', 'tsconfig.json']) cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
    for (const file of ref ? (only ?? []) : []) {
      const at = path.join(dir, file);
      try {
        writeFileSync(at, execSync(`git show ${ref}:${file}`, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }));
      } catch {
        rmSync(at, { force: true }); // not in ref: the file is new
      }
    }
  } else {
    // The ref's own build script and build config where it has them: today's scripts/build.mjs names modules an
    // older src/ may not have.
    const own = execSync(`git ls-tree --name-only ${ref} -- scripts tsconfig.build.json`, { cwd: root }).toString().split('\n').filter(Boolean);
    execSync(`git archive ${ref} src bin package.json tsconfig.json ${own.join(' ')} | tar -x -C ${dir}`, { cwd: root });
    if (!existsSync(path.join(dir, 'scripts/build.mjs'))) cpSync(path.join(root, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  symlinkSync(path.join(root, 'fixtures'), path.join(dir, 'fixtures'));
  cpSync(path.join(root, 'bench/scenarios'), path.join(dir, 'bench/scenarios'), { recursive: true });
  cpSync(path.join(root, 'bench/helpers'), path.join(dir, 'bench/helpers'), { recursive: true });
  // The build also needs tsconfig.build.json (declarations) and whatever else it reads beside tsconfig.json.
  if (DIST) for (const f of readdirSync(root).filter((n) => /^tsconfig.*\.json$/.test(n))) if (!existsSync(path.join(dir, f))) cpSync(path.join(root, f), path.join(dir, f));
  if (DIST) execSync(`${JSON.stringify(process.execPath)} scripts/build.mjs`, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

interface Play {
  code: string;
  loadavg: number[];
  wallSec: number;
  httpRequests: number;
  summaryRequests: number;
  setupRequests: number;
  sessions: number;
  errors: number;
  lostWrites: number;
  checkedWrites: number;
  recallMean: number | null;
  cpuSec: number;
  cpuUsPerRequest: number;
  requestsPerCpuSecond: number;
  maxRssMb: number;
}

async function play(code: string, tree: string, profile: boolean): Promise<Play> {
  const server = await startServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fc-sessions-'));
  const usageFile = path.join(tmp, 'usage.json');
  const out = path.join(tmp, 'run');
  const loadavg = os.loadavg().map((x) => +x.toFixed(2));
  const nodeArgs = ['--import', path.join(tree, 'bench/helpers/report-usage.mjs')];
  if (profile && PROFILE_DIR) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`);
  const args = [...nodeArgs, path.join(tree, 'bin/flashcrowd.js'), 'run', path.join(tree, 'bench/scenarios/read-heavy.ts'), '--target', server.url, '--out', out, '--quiet'];
  const t0 = performance.now();
  try {
    const code_ = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: tree, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FLASHCROWD_BENCH_USAGE: usageFile, FLASHCROWD_BENCH_SECONDS: String(SECONDS), ...(DIST ? { FLASHCROWD_DIST: '1' } : {}) } });
      child.once('exit', resolve);
    });
    const wallSec = (performance.now() - t0) / 1000;
    if (code_ !== 0) throw new Error(`${code}: flashcrowd run exited with ${code_} (run folder ${out})`);
    const httpRequests = await server.requests();
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { userUs: number; systemUs: number; maxRssKb: number };
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const cpuUs = usage.userUs + usage.systemUs;
    rmSync(tmp, { recursive: true, force: true });
    return {
      code,
      loadavg,
      wallSec: +wallSec.toFixed(1),
      httpRequests,
      summaryRequests: s.totals.requests,
      setupRequests: s.totals.setupRequests ?? 0,
      sessions: s.totals.sessionsStarted,
      errors: s.totals.errors,
      lostWrites: s.audit.lostWrites,
      checkedWrites: s.audit.checkedWrites,
      recallMean: s.feedQuality?.recallAtK?.mean ?? null,
      cpuSec: +(cpuUs / 1e6).toFixed(2),
      cpuUsPerRequest: +(cpuUs / httpRequests).toFixed(1),
      requestsPerCpuSecond: Math.round(httpRequests / (cpuUs / 1e6)),
      maxRssMb: Math.round(usage.maxRssKb / 1024),
    };
  } finally {
    server.stop();
  }
}

const baselineTree = BASELINE ? extractBaseline(BASELINE, BASELINE_PATHS) : undefined;
// From dist/, the working tree is played from a built copy (the shared checkout's dist/ may be stale or absent).
const workTree = DIST ? extractBaseline(undefined, undefined) : root;
const distNote = DIST ? ' (dist)' : '';
const baselineLabel = (BASELINE_PATHS ? `working tree with ${BASELINE_PATHS.join(', ')} at ${BASELINE}` : `baseline ${BASELINE}`) + distNote;
const head = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
const dirty = execSync('git status --porcelain -- src bin', { cwd: root }).toString().trim() ? '+changes' : '';
const plays: Play[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    if (baselineTree) {
      plays.push(await play(baselineLabel, baselineTree, false));
      console.log(plays.at(-1));
    }
    plays.push(await play(`working tree ${head}${dirty}${distNote}`, workTree, round === 0));
    console.log(plays.at(-1));
  }
} finally {
  if (baselineTree) rmSync(baselineTree, { recursive: true, force: true });
  if (workTree !== root) rmSync(workTree, { recursive: true, force: true });
}

const run = {
  when: new Date().toISOString(),
  label: LABEL,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  scenarioSeconds: SECONDS,
  plays,
};
mkdirSync(RESULTS, { recursive: true });
const jsonFile = path.join(RESULTS, 'engine-sessions.json');
const previous = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as { history?: (typeof run)[] }) : {};
const history = [...(previous.history ?? []), run];
writeFileSync(jsonFile, JSON.stringify({ latest: run, history }, null, 2) + '\n');

const table = (r: typeof run) => [
  `### ${r.when}${r.label ? ` — ${r.label}` : ''}`,
  '',
  `${r.machine.cpus} CPU(s) ${r.machine.model}, Node ${r.machine.node}; scenario ${r.scenarioSeconds} s wall.`,
  '',
  '| code | load avg (1/5/15 min) at start | wall s | HTTP requests | of which setup | sessions | errors | lost writes | recall mean | client CPU s | client CPU µs / request | requests / CPU-second | peak RSS MB |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...r.plays.map(
    (p) =>
      `| ${p.code} | ${p.loadavg.join(' / ')} | ${p.wallSec} | ${p.httpRequests} | ${p.setupRequests} | ${p.sessions} | ${p.errors} | ${p.lostWrites} of ${p.checkedWrites} | ${p.recallMean ?? '–'} | ${p.cpuSec} | **${p.cpuUsPerRequest}** | ${p.requestsPerCpuSecond} | ${p.maxRssMb} |`,
  ),
  '',
];
const md = [
  '# session-mode engine benchmark',
  '',
  '`npm run bench engine-sessions` (bench/engine-sessions.bench.ts): `flashcrowd run bench/scenarios/read-heavy.ts` (1,000',
  'preexisting people, 40 sessions/s, 20 actions per session, 50 ms think time, following/discover reads, likes,',
  'comments, posts; two probe readers; audit) in a child process against bench/helpers/memory-api.mjs, an in-memory',
  'reference-API server on node:http in another process. Client CPU is user + sys of the whole child (all threads,',
  'setup and audit included) divided by the HTTP requests the server received from it; requests / CPU-second is what',
  'one core drives at that cost. The machine is shared (2 cores, load average often 10-25): compare only rows of one',
  'run (BENCH_BASELINE_REF plays an older commit in the same run, alternating).',
  '',
  ...history.slice().reverse().flatMap(table),
].join('\n');
writeFileSync(path.join(RESULTS, 'engine-sessions.md'), md);
console.log(table(run).join('\n'));
