// Scenario time vs wall time. A scenario is told in real-world time (ten days of January 2025) and played back
// compressed (those ten days in ten minutes). Everything here is pure; durations are seconds.

/** A duration as written by a scenario author: seconds as a number, or a string like "90s", "10m", "48h", "10d", "1h30m". */
export type DurationInput = number | string;

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/** Thrown for malformed durations and compressions; the schema turns it into a field error with a path. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)/gy;

/** Parse "90s", "10m", "48h", "10d", "1h30m", "1.5h", "250ms", "0" or a plain number of seconds. */
export function parseDuration(input: DurationInput): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new DurationError(`expected a non-negative number of seconds, got ${input}`);
    return input;
  }
  const text = input.trim();
  if (text === '') throw new DurationError('expected a duration like "90s", "10m", "48h" or "10d", got an empty string');
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) {
      throw new DurationError(
        `expected a duration like "90s", "10m", "48h", "10d" or "1h30m" (units ms, s, m, h, d, w), got "${input}"`,
      );
    }
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
    pos = PART.lastIndex;
    while (text[pos] === ' ') pos++;
  }
  return total;
}

/** Human form of a duration in seconds: 90 -> "1m30s", 172800 -> "2d", 0.25 -> "250ms". */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return String(sec);
  if (sec < 0) return '-' + formatDuration(-sec);
  if (sec === 0) return '0s';
  if (sec < 1) return `${round(sec * 1000, 1)}ms`;
  const parts: string[] = [];
  let rest = sec;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size + 1e-9);
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 1e-6 || parts.length === 0) parts.push(`${round(rest, 2)}s`);
  return parts.join('');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Compression: scenario seconds per wall second. Accepts a factor (1440), a string factor ("1440" or "1440x"),
 * or a mapping "10d->10m" (ten scenario days in ten wall minutes = 1440).
 */
export function parseCompression(input: number | string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input <= 0) throw new DurationError(`expected a positive compression factor, got ${input}`);
    return input;
  }
  const text = input.trim();
  const factor = /^(\d+(?:\.\d+)?)\s*x?$/.exec(text);
  if (factor) return parseCompression(Number(factor[1]));
  const arrow = /^(.+?)\s*(?:->|→|:)\s*(.+)$/.exec(text);
  if (!arrow) {
    const hint = text.endsWith('-') ? ' (on a command line, quote it: the shell reads ">" as a redirection)' : '';
    throw new DurationError(`expected a compression like "10d->10m", "48h->90s" or a factor like 1440, got "${input}"${hint}`);
  }
  const scenario = parseDuration(arrow[1]!);
  const wall = parseDuration(arrow[2]!);
  if (scenario <= 0 || wall <= 0) throw new DurationError(`both sides of a compression must be positive, got "${input}"`);
  return scenario / wall;
}

/** Seconds since the Unix epoch of an ISO 8601 date-time (must carry a zone, e.g. "2025-01-13T01:00:00Z"). */
export function parseInstant(iso: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(iso.trim())) {
    throw new DurationError(`expected an ISO 8601 date-time with a zone, like "2025-01-13T01:00:00Z", got "${iso}"`);
  }
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new DurationError(`not a valid date-time: "${iso}"`);
  return ms / 1000;
}

/** The mapping between scenario time, wall time and the real-world calendar for one plan. */
export interface Clock {
  /** Unix seconds of scenario time 0. */
  epochSec: number;
  /** Scenario seconds per wall second. */
  compression: number;
}

export function scenarioToWall(clock: Clock, scenarioSec: number): number {
  return scenarioSec / clock.compression;
}

export function wallToScenario(clock: Clock, wallSec: number): number {
  return wallSec * clock.compression;
}

/** Real-world moment (as a Date) of a scenario time. */
export function scenarioToDate(clock: Clock, scenarioSec: number): Date {
  return new Date((clock.epochSec + scenarioSec) * 1000);
}

/** Real-world moment of a wall time, as ISO 8601 UTC. */
export function wallToIso(clock: Clock, wallSec: number): string {
  return scenarioToDate(clock, wallToScenario(clock, wallSec)).toISOString();
}
