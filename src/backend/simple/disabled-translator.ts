// No translation: enabled() stays false, so posts and feeds are served without a translation.
import { ApiError } from '../errors.ts';
import type { Translator } from '../services.ts';

export class DisabledTranslator implements Translator {
  enabled(): boolean {
    return false;
  }
  setEnabled(_on: boolean): void {}
  async translate(): Promise<{ lang: string; text: string; provider: string }> {
    throw new ApiError(503, 'translation_disabled', 'translation is not available on this server', { retryAfterSec: 60 });
  }
  cached(): undefined {
    return undefined;
  }
  async close(): Promise<void> {}
}
