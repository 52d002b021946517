// Where the HMAC secret of bearer tokens comes from. `tokenSecret` in the config (or --token-secret) wins; without
// it the secret lives in the backend's own database (table backend_settings, migration 002): the first process to
// start generates one and inserts it if none is there, every process reads back whichever value won, so a restart
// accepts the tokens it issued and replicas (--workers N, or processes on several machines) accept each other's.
// On an in-memory embedded database that is, in effect, a new random secret per start.
//
// The secret is never logged or printed: not here, not by rotation (it would then sit in log files).
import { randomBytes } from 'node:crypto';
import { openStore, type StoreOptions } from '../store/index.ts';
import type { Store } from '../store/store.ts';

/** The backend_settings row that holds the secret. */
export const TOKEN_SECRET_SETTING = 'token_secret';

/** 32 random bytes, base64url (43 characters). */
export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

type SettingsStore = Pick<Store, 'settingOrInsert' | 'putSetting'>;

/** The configured secret, or the one kept in the store (created now if it has none). */
export async function resolveTokenSecret(configured: string | undefined, store: SettingsStore): Promise<string> {
  if (configured !== undefined) return configured;
  const stored = await store.settingOrInsert(TOKEN_SECRET_SETTING, newTokenSecret());
  // Only this module writes the row, but a hand-edited one must not become a guessable key.
  if (stored.length < 16) {
    throw new Error(`the token secret stored in backend_settings is shorter than 16 characters: replace it with flashcrowd backend --rotate-token-secret`);
  }
  return stored;
}

/** Replaces the stored secret with a new random one. Tokens signed with the old one stop verifying. */
export async function rotateStoredTokenSecret(store: SettingsStore): Promise<void> {
  await store.putSetting(TOKEN_SECRET_SETTING, newTokenSecret());
}

export class TokenSecretRotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenSecretRotationError';
  }
}

/**
 * `flashcrowd backend --rotate-token-secret`: opens the configured database (migrating it if needed), stores a new
 * secret and closes it. Running processes keep the secret they started with until they restart.
 */
export async function rotateTokenSecret(options: StoreOptions & { tokenSecret?: string }): Promise<void> {
  if (options.tokenSecret !== undefined) {
    throw new TokenSecretRotationError('tokenSecret is set (--token-secret or the config file), so the stored secret is not used: rotate by changing that value');
  }
  if (options.db === 'embedded' && options.embeddedDataDir === undefined) {
    throw new TokenSecretRotationError('an in-memory embedded database keeps nothing between starts (its secret is new on every start): rotate the secret of a postgres:// database or of an embeddedDataDir');
  }
  const store = await openStore(options);
  try {
    await rotateStoredTokenSecret(store);
  } finally {
    await store.close();
  }
}
