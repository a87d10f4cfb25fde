import wkx from 'wkx';
import { BadParameter } from '../../problem.ts';

/**
 * CQL2 text → CQL2 JSON (the tree the compiler reads). Recursive descent over
 * the subset of the grammar we compile: basic CQL2, LIKE/BETWEEN/IN, IS NULL,
 * CASEI/ACCENTI, spatial and temporal functions, WKT and BBOX, DATE, TIMESTAMP,
 * INTERVAL. The text is only ever tokenised; nothing of it is evaluated.
 */
export type Cql2Json = null | boolean | number | string | Cql2Json[] | { [key: string]: Cql2Json };

interface Token {
  kind: 'num' | 'str' | 'ident' | 'qident' | 'punct';
  text: string;
  value: string | number;
  start: number;
  end: number;
}

const MAX_LENGTH = 8000;
const MAX_DEPTH = 60;
const WKT_TYPES = new Set(['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION']);
const COMPARISON: Record<string, string> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function fail(detail: string): never {
  throw new BadParameter('filter', detail);
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) fail(`unterminated string starting at character ${start + 1}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ kind: 'str', text: src.slice(start, i), value: s, start, end: i });
    } else if (c === '"') {
      const close = src.indexOf('"', i + 1);
      if (close < 0) fail(`unterminated quoted name starting at character ${start + 1}`);
      i = close + 1;
      out.push({ kind: 'qident', text: src.slice(start, i), value: src.slice(start + 1, close), start, end: i });
    } else if (/[0-9.]/.test(c) || (c === '-' && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
      if (!m) fail(`bad number at character ${start + 1}`);
      i += m[0].length;
      out.push({ kind: 'num', text: m[0], value: Number(m[0]), start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_:.]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ kind: 'ident', text: m[0], value: m[0], start, end: i });
    } else {
      const two = src.slice(i, i + 2);
      const p = ['<=', '>=', '<>', '!='].includes(two) ? two : c;
      if (!['(', ')', ',', '=', '<', '>', '<=', '>=', '<>', '!=', '[', ']'].includes(p)) fail(`unexpected character "${c}" at ${start + 1}`);
      i += p.length;
      out.push({ kind: 'punct', text: p, value: p, start, end: i });
    }
  }
  return out;
}

export function parseCql2Text(src: string): Cql2Json {
  if (src.length > MAX_LENGTH) fail(`filter is longer than ${MAX_LENGTH} characters`);
  const toks = lex(src);
  let pos = 0;
  let depth = 0;
  const peek = (o = 0): Token | undefined => toks[pos + o];
  const isKw = (t: Token | undefined, kw: string) => t?.kind === 'ident' && t.text.toUpperCase() === kw;
  const isP = (t: Token | undefined, p: string) => t?.kind === 'punct' && t.text === p;
  const where = () => (peek() ? `"${peek()!.text.slice(0, 40)}" at character ${peek()!.start + 1}` : 'end of filter');
  const expectP = (p: string) => {
    if (!isP(peek(), p)) fail(`expected "${p}" but found ${where()}`);
    pos++;
  };
  const expectKw = (kw: string) => {
    if (!isKw(peek(), kw)) fail(`expected ${kw} but found ${where()}`);
    pos++;
  };
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) fail(`filter is nested deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const orExpr = (): Cql2Json =>
    nest(() => {
      const args = [andExpr()];
      while (isKw(peek(), 'OR')) {
        pos++;
        args.push(andExpr());
      }
      return args.length === 1 ? args[0]! : { op: 'or', args };
    });
  const andExpr = (): Cql2Json => {
    const args = [notExpr()];
    while (isKw(peek(), 'AND')) {
      pos++;
      args.push(notExpr());
    }
    return args.length === 1 ? args[0]! : { op: 'and', args };
  };
  const notExpr = (): Cql2Json =>
    nest(() => {
      if (isKw(peek(), 'NOT')) {
        pos++;
        return { op: 'not', args: [notExpr()] };
      }
      if (isP(peek(), '(')) {
        pos++;
        const e = orExpr();
        expectP(')');
        return e;
      }
      return predicate();
    });

  const predicate = (): Cql2Json => {
    const left = scalar();
    const t = peek();
    if (t?.kind === 'punct' && COMPARISON[t.text]) {
      pos++;
      return { op: COMPARISON[t.text]!, args: [left, scalar()] };
    }
    let negate = false;
    if (isKw(t, 'NOT') && (isKw(peek(1), 'LIKE') || isKw(peek(1), 'BETWEEN') || isKw(peek(1), 'IN'))) {
      negate = true;
      pos++;
    }
    const wrap = (e: Cql2Json): Cql2Json => (negate ? { op: 'not', args: [e] } : e);
    if (isKw(peek(), 'LIKE')) {
      pos++;
      return wrap({ op: 'like', args: [left, scalar()] });
    }
    if (isKw(peek(), 'BETWEEN')) {
      pos++;
      const lo = scalar();
      expectKw('AND');
      return wrap({ op: 'between', args: [left, lo, scalar()] });
    }
    if (isKw(peek(), 'IN')) {
      pos++;
      expectP('(');
      const list = [scalar()];
      while (isP(peek(), ',')) {
        pos++;
        list.push(scalar());
      }
      expectP(')');
      return wrap({ op: 'in', args: [left, list] });
    }
    if (isKw(peek(), 'IS')) {
      pos++;
      const not = isKw(peek(), 'NOT');
      if (not) pos++;
      expectKw('NULL');
      const e: Cql2Json = { op: 'isNull', args: [left] };
      return not ? { op: 'not', args: [e] } : e;
    }
    // a function call or a boolean literal can stand alone as a predicate
    if (typeof left === 'boolean' || (left && typeof left === 'object' && !Array.isArray(left) && 'op' in left)) return left;
    fail(`expected a comparison, LIKE, BETWEEN, IN or IS NULL after the operand, found ${where()}`);
  };

  const scalar = (): Cql2Json =>
    nest(() => {
      const t = peek();
      if (!t) fail('unexpected end of filter');
      if (t.kind === 'num' || t.kind === 'str') {
        pos++;
        return t.value;
      }
      if (t.kind === 'qident') {
        pos++;
        return { property: String(t.value) };
      }
      if (t.kind !== 'ident') fail(`unexpected ${where()}`);
      const up = t.text.toUpperCase();
      if (up === 'TRUE' || up === 'FALSE') {
        pos++;
        return up === 'TRUE';
      }
      if (WKT_TYPES.has(up)) return wkt(t);
      if (!isP(peek(1), '(')) {
        pos++;
        return { property: t.text };
      }
      pos += 2;
      const args: Cql2Json[] = [];
      if (!isP(peek(), ')')) {
        args.push(scalar());
        while (isP(peek(), ',')) {
          pos++;
          args.push(scalar());
        }
      }
      expectP(')');
      const one = (kind: string): string => {
        if (args.length !== 1 || typeof args[0] !== 'string') fail(`${up}() takes one quoted string`);
        void kind;
        return args[0];
      };
      switch (up) {
        case 'DATE':
          return { date: one('date') };
        case 'TIMESTAMP':
          return { timestamp: one('timestamp') };
        case 'INTERVAL':
          if (args.length !== 2) fail('INTERVAL() takes two arguments');
          return { interval: args };
        case 'BBOX':
          if ((args.length !== 4 && args.length !== 6) || args.some((a) => typeof a !== 'number')) fail('BBOX() takes 4 or 6 numbers');
          return { bbox: args };
        default:
          return { op: t.text.toLowerCase(), args };
      }
    });

  const wkt = (t: Token): Cql2Json => {
    // the WKT text runs to the parenthesis that closes the first one after the keyword
    let i = t.end;
    let level = 0;
    let opened = false;
    for (; i < src.length; i++) {
      const ch = src[i];
      if (ch === '(') {
        level++;
        opened = true;
      } else if (ch === ')') {
        level--;
        if (level === 0) {
          i++;
          break;
        }
        if (level < 0) break;
      } else if (!opened && /[A-Za-z]/.test(ch!)) {
        const word = /^[A-Za-z]+/.exec(src.slice(i))![0].toUpperCase();
        if (word === 'EMPTY') fail('empty geometries are not supported in filters');
        if (word !== 'Z') break;
      }
    }
    if (!opened || level !== 0) fail(`malformed ${t.text.toUpperCase()} geometry at character ${t.start + 1}`);
    const text = normalizeWkt(src.slice(t.start, i));
    let geojson: Cql2Json;
    try {
      geojson = wkx.Geometry.parse(text).toGeoJSON() as unknown as Cql2Json;
    } catch (e) {
      fail(`malformed WKT geometry at character ${t.start + 1}: ${(e as Error).message.slice(0, 100)}`);
    }
    while (pos < toks.length && toks[pos]!.start < i) pos++;
    return geojson;
  };

  const tree = orExpr();
  if (pos < toks.length) fail(`unexpected ${where()}`);
  return tree;
}

/**
 * wkx reads WKT written on one line with single spaces; the CQL2 grammar allows any whitespace
 * (the standard's own examples break polygons over lines and write `POLYGON (` and `( x y )`), and
 * coordinates with three numbers without the `Z` keyword (example 49).
 */
export function normalizeWkt(text: string): string {
  let t = text.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
  const m = /^([A-Za-z]+)(\s+[ZM]{1,2})?\(+([^(),]+)/.exec(t);
  if (m && !m[2] && m[3]!.trim().split(' ').length === 3) t = `${m[1]} Z${t.slice(m[1]!.length)}`;
  return t;
}
