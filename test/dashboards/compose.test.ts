// Structural checks of the docker-compose stack (no Docker engine needed): services wired to each other by the
// names and ports the configs use, every mounted file present, ports on loopback only; nginx and Prometheus
// configs checked by the real tools when installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig } from '../../src/backend/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const prometheusConfig = parse(read('dashboards/prometheus.yml'));
const nginxConf = read('deploy/nginx.conf');

/** Files the stack writes rather than reads. */
const OUTPUT_DIRS = new Set(['./runs']);

function requiredTool(name: string): boolean {
  if (spawnSync('which', [name]).status === 0) return true;
  if (process.env.FLASHCROWD_REQUIRE_PROMETHEUS === '1') throw new Error(`${name} is required (FLASHCROWD_REQUIRE_PROMETHEUS=1)`);
  console.warn(`[skip] ${name} not installed`);
  return false;
}

function mount(service: string, target: string): string {
  const m = (services[service].volumes ?? []).find((v) => v.split(':')[1] === target);
  if (!m) throw new Error(`${service} has no mount at ${target}`);
  return m.split(':')[0];
}

describe('docker-compose stack', () => {
  it('has the services of the design', () => {
    expect(Object.keys(services).sort()).toEqual(['backend', 'grafana', 'harness', 'lb', 'postgres', 'prometheus', 'redis']);
  });

  it('mounts only files and folders that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (!source.startsWith('.')) {
          expect(compose.volumes, `${name}: named volume ${source} is declared`).toHaveProperty(source);
          continue;
        }
        if (OUTPUT_DIRS.has(source)) continue;
        expect(existsSync(path.join(root, source)), `${name} mounts ${source}`).toBe(true);
      }
    }
  });

  it('publishes ports on 127.0.0.1 only, and none for the scalable backend', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) expect(p, `${name} port ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    expect(services.backend.ports).toBeUndefined();
    expect(services.backend.expose).toEqual(['8080']);
  });

  it('runs the backend from the project image with a valid shared config', () => {
    expect(services.backend.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    const cmd = services.backend.command!;
    expect(cmd[0]).toBe('backend');
    const configPath = cmd[cmd.indexOf('--config') + 1];
    expect(mount('backend', `/app/${configPath}`)).toBe(`./${configPath}`);
    const config = resolveConfig(JSON.parse(read(configPath)));
    expect(config.host).toBe('0.0.0.0');
    expect(config.trustProxy).toBe(true);
    // Replicas must verify each other's tokens and share state.
    expect(config.tokenSecret?.length ?? 0).toBeGreaterThanOrEqual(16);
    const db = new URL(config.db);
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(services.postgres.environment!.POSTGRES_USER);
    expect(db.pathname).toBe(`/${services.postgres.environment!.POSTGRES_DB}`);
    expect(new URL(config.redis).hostname).toBe('redis');
    expect(services.backend.expose).toEqual([String(config.port)]);
    // The balancer starts once every replica answers /readyz on its own port.
    const health = (services.backend as { healthcheck?: { test: string[] } }).healthcheck!.test.join(' ');
    expect(health).toContain(`http://127.0.0.1:${config.port}/readyz`);
    expect(services.lb.depends_on).toEqual({ backend: { condition: 'service_healthy' } });
  });

  it('balances over the backend service with nginx', () => {
    expect(mount('lb', '/etc/nginx/nginx.conf')).toBe('./deploy/nginx.conf');
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginxConf)!;
    const server = /server\s+([\w.-]+):(\d+)/.exec(upstream[2])!;
    expect(server[1]).toBe('backend');
    expect(server[2]).toBe(services.backend.expose![0]);
    expect(nginxConf).toContain(`proxy_pass http://${upstream[1]};`);
    const listen = /listen\s+(\d+);/.exec(nginxConf)![1];
    expect(services.lb.ports).toEqual([`127.0.0.1:8080:${listen}`]);
    const harnessTarget = services.harness.command![services.harness.command!.indexOf('--target') + 1];
    expect(harnessTarget).toBe(`http://lb:${listen}`);
  });

  it('nginx accepts the balancer config', () => {
    if (!requiredTool('nginx')) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-nginx-'));
    try {
      // `backend` only resolves inside the compose network; check the rest of the syntax with a loopback upstream.
      writeFileSync(path.join(dir, 'nginx.conf'), nginxConf.replace('server backend:', 'server 127.0.0.1:'));
      const out = execFileSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrapes the harness and every backend replica every second', () => {
    expect(mount('prometheus', '/etc/prometheus/prometheus.yml')).toBe('./dashboards/prometheus.yml');
    expect(prometheusConfig.global.scrape_interval).toBe('1s');
    const jobs = Object.fromEntries(prometheusConfig.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(['flashcrowd-harness', 'social-backend']);

    const harnessCmd = services.harness.command!;
    const metricsPort = harnessCmd[harnessCmd.indexOf('--metrics-port') + 1];
    expect(jobs['flashcrowd-harness'].static_configs[0].targets).toEqual([`harness:${metricsPort}`]);
    expect(services.harness.expose).toEqual([metricsPort]);
    expect(services.harness.environment!.FLASHCROWD_METRICS_HOST).toBe('0.0.0.0');

    const sd = jobs['social-backend'].dns_sd_configs[0];
    expect(sd.names).toEqual(['backend']);
    expect(String(sd.port)).toBe(services.backend.expose![0]);
  });

  it('promtool accepts the Prometheus config', () => {
    if (!requiredTool('promtool')) return;
    const out = execFileSync('promtool', ['check', 'config', path.join(root, 'dashboards/prometheus.yml')], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it('provisions Grafana with the Prometheus datasource and the generated dashboards', () => {
    const provisioning = mount('grafana', '/etc/grafana/provisioning');
    const datasources = parse(read(path.join(provisioning, 'datasources/prometheus.yml')));
    const ds = datasources.datasources[0];
    expect(ds.type).toBe('prometheus');
    expect(ds.url).toBe('http://prometheus:9090');
    expect(services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);

    const providers = parse(read(path.join(provisioning, 'dashboards/flashcrowd.yml'))).providers;
    const dashboardsDir = providers[0].options.path;
    const hostDir = mount('grafana', dashboardsDir);
    const env = services.grafana.environment!;
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home.startsWith(`${dashboardsDir}/`)).toBe(true);
    const homeFile = path.join(root, hostDir, home.slice(dashboardsDir.length + 1));
    expect(JSON.parse(readFileSync(homeFile, 'utf8')).uid).toBe('flashcrowd-surge-overview');
  });

  it('runs a scenario that exists with the harness', () => {
    const scenarioArg = services.harness.command![1];
    const scenario = /^\$\{SCENARIO:-(.+)\}$/.exec(scenarioArg)?.[1] ?? scenarioArg;
    expect(existsSync(path.join(root, scenario)), scenario).toBe(true);
    expect(services.harness.command![0]).toBe('run');
  });

  it('builds the project image from node:20-slim with npm ci and the CLI entry', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/flashcrowd\.js"\]$/m);
    for (const [, source] of dockerfile.matchAll(/^COPY (\S+)/gm)) {
      expect(existsSync(path.join(root, source)), `COPY ${source}`).toBe(true);
    }
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toContain('node_modules');
  });
});
