// Operator controls of a target, separate from user traffic: what a scenario event switches on the platform
// (e.g. "translation launches" mid-surge). The reference backend exposes them behind an admin token. Rare calls,
// so Node's built-in fetch (loaded on first use), not the hot-path client.

export interface TargetControl {
  /** Switch the platform's translation feature on or off. Rejects with a message naming the cause. */
  setTranslation(enabled: boolean): Promise<void>;
}

/** Controls of the reference backend: POST /v1/admin/translation with `Authorization: Bearer <adminToken>`. */
export function createReferenceControl(baseUrl: string, adminToken: string, timeoutMs = 5000): TargetControl {
  const url = new URL('/v1/admin/translation', baseUrl);
  return {
    async setTranslation(enabled) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ enabled }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) {
        let message = text.slice(0, 200);
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
        } catch {}
        throw new Error(`POST ${url.pathname} answered ${res.status}: ${message}`);
      }
    },
  };
}
