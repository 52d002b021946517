// Where a field sits in a scenario file, so errors can say "line 12". JSON: exact, from a small scanner that records
// the position of every key and array element. TypeScript: best effort, by finding the path's keys in the text.
import { appendKey } from './errors.ts';

export interface Position {
  line: number;
  column: number;
}

/** Map from field path ("cohorts[1].curve.peak") to the position of its key (or of the element, in arrays). */
export function jsonPositions(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  let i = 0;
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const posOf = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return text.slice(start + 1, i - 1);
    }
  };
  const value = (path: string): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      while (i < text.length && text[i] !== '}') {
        ws();
        if (text[i] !== '"') return; // malformed; JSON.parse reports it
        const keyAt = i;
        const key = str();
        const child = appendKey(path, key);
        out.set(child, posOf(keyAt));
        ws();
        if (text[i] === ':') i++;
        value(child);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (ch === '[') {
      i++;
      let index = 0;
      ws();
      while (i < text.length && text[i] !== ']') {
        ws();
        const child = `${path}[${index++}]`;
        out.set(child, posOf(i));
        value(child);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') return;
        ws();
      }
      i++;
    } else if (ch === '"') {
      str();
    } else {
      while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
    }
  };
  value('');
  return out;
}

/** Nearest known position for a path: the path itself, else its closest ancestor. */
export function nearestPosition(positions: Map<string, Position>, path: string): Position | undefined {
  let p = path;
  for (;;) {
    const hit = positions.get(p);
    if (hit) return hit;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}

/**
 * Best-effort line of a field path in TypeScript source: walk the path, finding each key (`name:` or `name :`) after
 * the previous match, and stepping into the n-th element of array literals. Gives up gracefully when the value was
 * built elsewhere (a variable, a helper): then the last key found is reported, or the first occurrence of the leaf key.
 */
export function locateInSource(text: string, path: string): Position | undefined {
  const segments = parsePath(path);
  const code = blankCommentsAndStrings(text, true);
  const keys = blankCommentsAndStrings(text, false); // keys may be quoted: 'Asia/Shanghai': 1
  let from = 0;
  let found: number | undefined;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      let at = nthArrayElement(code, from, seg);
      if (at === undefined) break;
      // An element named by a variable (`cohorts: [newcomers, incumbents]`): continue at its declaration.
      const ident = /^[A-Za-z_$][\w$]*/.exec(code.slice(at));
      if (ident && !/^[A-Za-z_$][\w$]*\s*\(/.test(code.slice(at))) {
        const decl = new RegExp(`(?:const|let|var)\\s+${escapeRe(ident[0])}\\b`).exec(code);
        if (decl) at = decl.index;
      }
      from = at;
      found = at;
    } else {
      const re = new RegExp(`(?<![\\w$])['"]?${escapeRe(seg)}['"]?\\s*:`, 'g');
      re.lastIndex = from;
      const m = re.exec(keys);
      if (!m) {
        // Missing key, or a value built elsewhere: report the deepest ancestor found, else the key's first use.
        if (found === undefined) {
          const any = new RegExp(`(?<![\\w$])['"]?${escapeRe(seg)}['"]?\\s*:`).exec(keys);
          if (any) found = any.index;
        }
        break;
      }
      from = m.index + m[0].length;
      found = m.index;
    }
  }
  if (found === undefined) return undefined;
  const before = text.slice(0, found);
  const line = before.split('\n').length;
  return { line, column: found - before.lastIndexOf('\n') };
}

function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/\[("(?:[^"\\]|\\.)*")\]|\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(JSON.parse(m[1]) as string);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]!);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset of the start of the n-th element of the first array literal at or after `from` (same length as code). */
function nthArrayElement(code: string, from: number, n: number): number | undefined {
  let i = code.indexOf('[', from);
  if (i < 0) return undefined;
  i++;
  let depth = 0;
  let index = 0;
  let elementStart = -1;
  for (; i < code.length; i++) {
    const ch = code[i]!;
    if (depth === 0 && elementStart < 0 && !/\s/.test(ch) && ch !== ',' && ch !== ']') {
      elementStart = i;
      if (index === n) return i;
    }
    if (ch === '[' || ch === '{' || ch === '(') depth++;
    else if (ch === ']' || ch === '}' || ch === ')') {
      if (depth === 0) return undefined;
      depth--;
    } else if (ch === ',' && depth === 0) {
      index++;
      elementStart = -1;
    }
  }
  return undefined;
}

/** Replace comments (and string contents, if asked) with spaces, keeping offsets, so scanning ignores them. */
function blankCommentsAndStrings(text: string, strings: boolean): string {
  const out = text.split('');
  let i = 0;
  const blank = (a: number, b: number) => {
    for (let k = a; k < b && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      let k = i + 1;
      while (k < text.length && text[k] !== ch) k += text[k] === '\\' ? 2 : 1;
      if (strings) blank(i + 1, k);
      i = k + 1;
    } else i++;
  }
  return out.join('');
}
