// No moderation: reports are stored by the route, nothing is ever removed.
import type { ModerationService, PostRecord } from '../services.ts';

export class NoopModeration implements ModerationService {
  async onPostCreated(_post: PostRecord): Promise<void> {}
  async onReport(_postId: string, _reporterId: string, _reason: string): Promise<void> {}
  async close(): Promise<void> {}
}
