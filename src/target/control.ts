// Operator controls of a target, separate from user traffic: what a scenario event switches on the platform
// (e.g. "translation launches" mid-surge). The reference backend exposes them behind an admin token.
import { request } from 'undici';

export interface TargetControl {
  /** Switch the platform's translation feature on or off. Rejects with a message naming the cause. */
  setTranslation(enabled: boolean): Promise<void>;
}

/** Controls of the reference backend: POST /v1/admin/translation with `Authorization: Bearer <adminToken>`. */
export function createReferenceControl(baseUrl: string, adminToken: string, timeoutMs = 5000): TargetControl {
  const url = new URL('/v1/admin/translation', baseUrl);
  return {
    async setTranslation(enabled) {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ enabled }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        let message = text.slice(0, 200);
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
        } catch {}
        throw new Error(`POST ${url.pathname} answered ${res.statusCode}: ${message}`);
      }
    },
  };
}
