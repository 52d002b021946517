// No function in src/ longer than 150 lines (declaration to closing brace): long functions hide phases that want
// names. Declarative tables (dashboards, routes) split by panel group or route group.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFunctions } from './function-length.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('function length', () => {
  it('no function in src/ is longer than 150 lines', () => {
    expect(longFunctions(ROOT, 150).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
  });

  it('finds a long function (the checker itself works)', () => {
    const found = longFunctions(ROOT, 60);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.lines > 60 && f.file.startsWith('src/'))).toBe(true);
  });
});
