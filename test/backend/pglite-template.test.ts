// The embedded store starts from a migrated template after the first start; each start still gets its own,
// empty database, and a damaged template is replaced rather than trusted.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPgliteDriver } from '../../src/backend/store/pglite-driver.ts';
import { SqlStore } from '../../src/backend/store/sql-store.ts';

const account = { handle: 'tpl_user', passwordHash: 'x', displayName: 'x', locale: 'en', languages: ['en'], country: 'US', tz: 'UTC' };

describe('PGlite template', () => {
  it('is written once, gives every start a fresh database, and is rebuilt when damaged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fc-pglite-tpl-'));
    const first = new SqlStore(await createPgliteDriver({ schema: 'public', templateDir: dir }));
    await first.createUser(account);
    await first.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.tar.gz'));
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0]);

    const second = new SqlStore(await createPgliteDriver({ schema: 'public', templateDir: dir }));
    expect(await second.getUserByHandle(account.handle)).toBeUndefined(); // the template holds no rows
    await second.createUser(account);
    await second.close();

    writeFileSync(file, 'not a tarball');
    const third = new SqlStore(await createPgliteDriver({ schema: 'public', templateDir: dir }));
    await third.createUser(account);
    await third.close();
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip again
    rmSync(dir, { recursive: true, force: true });
  });
});
