// A scenario's `translation` event switches the reference backend's translation on through its admin API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startBackend } from '../../src/backend/launch.ts';
import { createReferenceControl } from '../../src/target/control.ts';
import { createEventActuatorPlugin } from '../../src/engine/event-actuator.ts';

const ADMIN = 'test-admin-token-0123456789';

describe('event actuator', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => {
    backend = await startBackend({ scryptCost: 1024, surge: { translation: { adminToken: ADMIN } } });
  });
  afterAll(async () => {
    await backend?.close();
  });

  const translationState = async () => {
    const res = await request(new URL('/v1/admin/translation', backend.url), { headers: { authorization: `Bearer ${ADMIN}` } });
    return ((await res.body.json()) as { enabled: boolean }).enabled;
  };

  it('switches translation on when a translation event fires, and ignores other events', async () => {
    const lines: string[] = [];
    const plugin = createEventActuatorPlugin(createReferenceControl(backend.url, ADMIN), (l) => lines.push(l));
    expect(await translationState()).toBe(false);
    plugin.observer!.onEvent!({ at: 5000, name: 'second-shock', kind: 'shock' });
    await plugin.settled();
    expect(await translationState()).toBe(false);
    plugin.observer!.onEvent!({ at: 10_000, name: 'translation-launch', kind: 'translation' });
    await plugin.stop!();
    expect(await translationState()).toBe(true);
    expect(lines).toEqual(['event translation-launch: translation switched on at 10.0s']);
  });

  it('reports a refused switch without failing the run', async () => {
    const lines: string[] = [];
    const plugin = createEventActuatorPlugin(createReferenceControl(backend.url, 'not-the-admin-token-xx'), (l) => lines.push(l), { attempts: 2, retryDelayMs: 10 });
    plugin.observer!.onEvent!({ at: 1000, name: 'translation-launch', kind: 'translation' });
    await plugin.settled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/could not switch translation on after 2 tries: POST \/v1\/admin\/translation answered 403/);
  });

  it('retries a switch while the target is down, and succeeds once it is back', async () => {
    const lines: string[] = [];
    let calls = 0;
    const flaky = {
      setTranslation: async () => {
        if (++calls < 3) throw new Error('connect ECONNREFUSED');
      },
    };
    const plugin = createEventActuatorPlugin(flaky, (l) => lines.push(l), { attempts: 5, retryDelayMs: 10 });
    plugin.observer!.onEvent!({ at: 2000, name: 'translation-launch', kind: 'translation' });
    await plugin.settled();
    expect(calls).toBe(3);
    expect(lines).toEqual(['event translation-launch: translation switched on at 2.0s (try 3)']);
  });
});
