import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/backend/config.ts';
import { resolveSurgeConfig, SURGE_DEFAULTS } from '../../src/backend/surge-config.ts';

describe('surge config', () => {
  test('fills every section with defaults and layers given knobs over them', () => {
    const c = resolveSurgeConfig({ fanout: { workers: 1 }, moderation: { reviewers: 0 } });
    expect(c.fanout.workers).toBe(1);
    expect(c.fanout.timelineCap).toBe(SURGE_DEFAULTS.fanout.timelineCap);
    expect(c.moderation.reviewers).toBe(0);
    expect(c.translation.enabled).toBe(false);
    expect(resolveSurgeConfig(undefined)).toEqual(SURGE_DEFAULTS);
  });

  test('reports every bad knob at once, by path', () => {
    let error: unknown;
    try {
      resolveSurgeConfig({ fanout: { workers: -1, typo: 1 }, discover: { explorationShare: 2 }, translation: { adminToken: 'short' }, nope: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const path of ['surge.fanout.workers', 'surge.fanout: Unrecognized key: "typo"', 'surge.discover.explorationShare', 'surge.translation.adminToken', 'Unrecognized key: "nope"']) {
      expect(message).toContain(path);
    }
  });
});
