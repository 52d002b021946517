import { describe, expect, it } from 'vitest';
import {
  DurationError,
  formatDuration,
  parseCompression,
  parseDuration,
  parseInstant,
  scenarioToDate,
  scenarioToWall,
  wallToIso,
  wallToScenario,
} from '../../src/scenario/clock.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['10m', 600],
    ['48h', 172800],
    ['10d', 864000],
    ['1w', 604800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['1.5h', 5400],
    ['250ms', 0.25],
    ['0', 0],
    ['42', 42],
    [7.5, 7.5],
  ] as const)('%s -> %s seconds', (input, expected) => {
    expect(parseDuration(input)).toBeCloseTo(expected, 12);
  });

  it.each(['', '10q', 'h', '-5s', '5 minutes', '1h-'])('rejects %j with a clear message', (bad) => {
    expect(() => parseDuration(bad)).toThrow(DurationError);
    expect(() => parseDuration(bad)).toThrow(/expected a duration/);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => parseDuration(-1)).toThrow(/non-negative/);
    expect(() => parseDuration(Number.NaN)).toThrow(DurationError);
  });
});

describe('parseCompression', () => {
  it.each([
    ['10d->10m', 1440],
    ['48h->2m', 1440],
    ['48h->90s', 1920],
    ['10d → 10m', 1440],
    ['1440', 1440],
    ['1440x', 1440],
    [60, 60],
  ] as const)('%s -> %s', (input, expected) => {
    expect(parseCompression(input)).toBeCloseTo(expected, 9);
  });

  it.each(['10d->', '->10m', '10d->0s', 'fast', 0, -2])('rejects %j', (bad) => {
    expect(() => parseCompression(bad)).toThrow(DurationError);
  });

  it('hints at shell quoting when a redirection ate the wall side', () => {
    expect(() => parseCompression('54h-')).toThrow(/quote it/);
    expect(() => parseCompression('fast')).not.toThrow(/quote it/);
  });
});

describe('formatDuration', () => {
  it('round-trips typical durations', () => {
    for (const s of ['90s', '10m', '48h', '10d', '1h30m', '2d6h']) expect(parseDuration(formatDuration(parseDuration(s)))).toBe(parseDuration(s));
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(172800)).toBe('2d');
    expect(formatDuration(0.25)).toBe('250ms');
  });
});

describe('clock mapping', () => {
  it('maps scenario, wall and calendar time', () => {
    const clock = { epochSec: parseInstant('2025-01-13T01:00:00Z'), compression: 1440 };
    expect(scenarioToWall(clock, 86400)).toBe(60);
    expect(wallToScenario(clock, 60)).toBe(86400);
    expect(scenarioToDate(clock, 3600).toISOString()).toBe('2025-01-13T02:00:00.000Z');
    expect(wallToIso(clock, 60)).toBe('2025-01-14T01:00:00.000Z');
  });

  it('requires a zone on instants', () => {
    expect(parseInstant('2025-01-13T09:00:00+08:00')).toBe(parseInstant('2025-01-13T01:00:00Z'));
    expect(() => parseInstant('2025-01-13')).toThrow(/ISO 8601/);
    expect(() => parseInstant('2025-01-13T01:00:00')).toThrow(/zone/);
  });
});
