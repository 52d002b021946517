import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // In-repo scenarios, fixtures and tests import 'flashcrowd' as a user's files do; under vitest that is src/ (the
  // "flashcrowd-source" export condition outside vitest, see bin/register.js).
  resolve: {
    alias: [
      { find: /^flashcrowd$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^flashcrowd\/target$/, replacement: fileURLToPath(new URL('./src/target/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // 2-core machines: keep parallelism modest so service-backed and timing-sensitive tests stay honest.
    maxWorkers: 2,
  },
});
