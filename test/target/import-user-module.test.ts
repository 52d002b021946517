// bin/flashcrowd.js (from dist/) loads the command's module graph before it registers tsx's hooks; user modules must
// then be imported from a module loaded after the hooks (src/target/import-user-module.ts), which holds only while
// nothing imports that module statically.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importUserModule } from '../../src/target/import-user-module.ts';

const src = resolve(import.meta.dirname, '../../src');
const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => /\.ts$/.test(f) && !f.startsWith('backend'));

describe('importUserModule', () => {
  it('is imported dynamically only, by the scenario and adapter loaders', () => {
    const importers: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(src, f), 'utf8');
      expect(text, f).not.toMatch(/^\s*import\s[^;]*from\s+['"][^'"]*import-user-module(\.ts)?['"]/m);
      expect(text, f).not.toMatch(/^\s*export\s[^;]*from\s+['"][^'"]*import-user-module(\.ts)?['"]/m);
      if (/import\(['"][^'"]*import-user-module\.ts['"]\)/.test(text)) importers.push(f);
    }
    expect(importers.sort()).toEqual(['scenario/load.ts', 'target/load-adapter.ts']);
  });

  it('imports a module by URL', async () => {
    const mod = await importUserModule(new URL('../../src/random/index.ts', import.meta.url).href);
    expect(typeof mod.Rng).toBe('function');
  });
});
