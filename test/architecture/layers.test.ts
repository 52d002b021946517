// The import rules of DESIGN.md §2, as dependency-cruiser checks them (.dependency-cruiser.cjs): the real tree passes,
// and a scratch tree with a deliberate back-import (scenario -> cli), a folder cycle and a backend import is refused.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [DEPCRUISE, 'src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    out = (err as { stdout: string }).stdout; // exit code = number of violations
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'flashcrowd-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('import layers', () => {
  it('src/ follows the layer rules, with no cycles', () => {
    const violations = cruise(ROOT);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 120_000);

  it('catches a back-import, a cycle between folders and a backend import in a scratch tree', () => {
    cpSync(path.join(ROOT, 'tsconfig.json'), path.join(scratch, 'tsconfig.json'));
    const file = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(scratch, rel)), { recursive: true });
      writeFileSync(path.join(scratch, rel), text);
    };
    file('src/cli/exit.ts', "export const EXIT = 2;\n");
    file('src/scenario/bad.ts', "import { EXIT } from '../cli/exit.ts';\nexport const x = EXIT;\n");
    file('src/observe/a.ts', "import { b } from '../metrics/b.ts';\nexport const a = () => b;\n");
    file('src/metrics/b.ts', "import { a } from '../observe/a.ts';\nexport const b = () => a;\n");
    file('src/backend/server.ts', "export const serve = 1;\n");
    file('src/engine/run.ts', "import { serve } from '../backend/server.ts';\nexport const r = serve;\n");
    const rules = new Set(cruise(scratch).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`));
    expect(rules).toContain('layer-scenario: src/scenario/bad.ts -> src/cli/exit.ts');
    expect(rules).toContain('nothing-imports-cli: src/scenario/bad.ts -> src/cli/exit.ts');
    expect(rules).toContain('layer-observe: src/observe/a.ts -> src/metrics/b.ts');
    expect(rules).toContain('backend-only-from-cli: src/engine/run.ts -> src/backend/server.ts');
    expect(rules).toContain('no-circular: src/metrics/b.ts -> src/observe/a.ts');
  }, 120_000);
});
