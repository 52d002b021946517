// Lists functions in src/ longer than a limit (lines from the declaration to its closing brace), with the
// TypeScript compiler's own parser. Used by function-length.test.ts; `node --import tsx test/architecture/function-length.ts [limit]` prints them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface LongFunction {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function* tsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* tsFiles(full);
    else if (full.endsWith('.ts') && !full.endsWith('.d.ts')) yield full;
  }
}

export function longFunctions(root: string, limit: number): LongFunction[] {
  const out: LongFunction[] = [];
  for (const file of tsFiles(path.join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > limit) {
          const name = (node as ts.FunctionLikeDeclaration).name?.getText(sf) ?? '(anonymous)';
          out.push({ file: path.relative(root, file), name, line: start + 1, lines });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const limit = Number(process.argv[2] ?? 150);
  for (const f of longFunctions(process.cwd(), limit)) console.log(`${f.file}:${f.line} ${f.name} ${f.lines} lines`);
}
