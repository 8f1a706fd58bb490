/**
 * Calico's selector language (projectcalico.org/v3 `selector`, `namespaceSelector`,
 * `notSelector`, `serviceAccountSelector`), as its reference documents it:
 *
 *   all()                 every endpoint          global()            no pod (non-namespaced resources only)
 *   k == 'v'   k != 'v'   (`!=` also matches a missing key)
 *   k in {'a', 'b'}       k not in {'a'}          (`not in` also matches a missing key)
 *   has(k)     !has(k)    k contains 's'          k starts with 's'   k ends with 's'
 *   !expr      expr && expr                       expr || expr        ( expr )
 *
 * Strings are in single or double quotes. `&&` binds tighter than `||`. The empty
 * selector means all(). Pure: parsing returns an error value, never throws.
 */

export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'startswith' | 'endswith'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: 'not'; readonly expr: CalicoSelector }
  | { readonly op: 'and' | 'or'; readonly exprs: readonly CalicoSelector[] };

export type CalicoSelectorResult = { readonly ok: true; readonly selector: CalicoSelector } | { readonly ok: false; readonly error: string };

/** Reads a label value: the endpoint's own labels and the synthetic ones Calico adds. */
export type LabelLookup = (key: string) => string | undefined;

type Token =
  | { readonly t: 'ident'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number };

const IDENT = /[A-Za-z0-9_./-]/;

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return `unterminated string starting at column ${i + 1}`;
      out.push({ t: 'string', v: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '&&' || two === '||') {
      out.push({ t: 'op', v: two, at: i });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    if (IDENT.test(c)) {
      let j = i;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      out.push({ t: 'ident', v: text.slice(i, j), at: i });
      i = j;
      continue;
    }
    return `unexpected character ${JSON.stringify(c)} at column ${i + 1}`;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private where(): string {
    const t = this.peek();
    return t ? `at column ${t.at + 1} ("${t.v}")` : 'at the end';
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'ident' && t.v === v;
  }

  private expect(v: string): void {
    if (!this.isOp(v)) throw new SyntaxError(`expected "${v}" ${this.where()}`);
    this.i++;
  }

  parse(): CalicoSelector {
    if (this.toks.length === 0) return { op: 'all' };
    const e = this.or();
    if (this.i < this.toks.length) throw new SyntaxError(`unexpected ${this.where()}`);
    return e;
  }

  private or(): CalicoSelector {
    const parts = [this.and()];
    while (this.isOp('||')) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0]! : { op: 'or', exprs: parts };
  }

  private and(): CalicoSelector {
    const parts = [this.unary()];
    while (this.isOp('&&')) {
      this.i++;
      parts.push(this.unary());
    }
    return parts.length === 1 ? parts[0]! : { op: 'and', exprs: parts };
  }

  private unary(): CalicoSelector {
    if (this.isOp('!')) {
      this.i++;
      return { op: 'not', expr: this.unary() };
    }
    if (this.isOp('(')) {
      this.i++;
      const e = this.or();
      this.expect(')');
      return e;
    }
    return this.term();
  }

  private string(): string {
    const t = this.peek();
    if (t?.t !== 'string') throw new SyntaxError(`expected a quoted string ${this.where()}`);
    this.i++;
    return t.v;
  }

  private term(): CalicoSelector {
    const t = this.peek();
    if (t?.t !== 'ident') throw new SyntaxError(`expected a label key, all(), global() or has() ${this.where()}`);
    this.i++;
    if ((t.v === 'all' || t.v === 'global' || t.v === 'has') && this.isOp('(')) {
      this.i++;
      if (t.v === 'has') {
        const k = this.peek();
        if (k?.t !== 'ident') throw new SyntaxError(`expected a label key in has() ${this.where()}`);
        this.i++;
        this.expect(')');
        return { op: 'has', key: k.v };
      }
      this.expect(')');
      return { op: t.v };
    }
    const key = t.v;
    if (this.isOp('==')) {
      this.i++;
      return { op: 'eq', key, value: this.string() };
    }
    if (this.isOp('!=')) {
      this.i++;
      return { op: 'ne', key, value: this.string() };
    }
    if (this.isWord('in')) {
      this.i++;
      return { op: 'in', key, values: this.set() };
    }
    if (this.isWord('not')) {
      this.i++;
      if (!this.isWord('in')) throw new SyntaxError(`expected "in" after "not" ${this.where()}`);
      this.i++;
      return { op: 'notin', key, values: this.set() };
    }
    if (this.isWord('contains')) {
      this.i++;
      return { op: 'contains', key, value: this.string() };
    }
    if (this.isWord('starts') || this.isWord('ends')) {
      const which = this.peek()!.v;
      this.i++;
      if (!this.isWord('with')) throw new SyntaxError(`expected "with" after "${which}" ${this.where()}`);
      this.i++;
      return { op: which === 'starts' ? 'startswith' : 'endswith', key, value: this.string() };
    }
    throw new SyntaxError(`expected ==, !=, in, not in, contains, starts with or ends with after "${key}" ${this.where()}`);
  }

  private set(): string[] {
    this.expect('{');
    const out: string[] = [];
    if (this.isOp('}')) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.string());
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expect('}');
      return out;
    }
  }
}

/** Parses a Calico selector; an error names the column and what was expected. */
export function parseCalicoSelector(text: string): CalicoSelectorResult {
  const toks = tokenize(text);
  if (typeof toks === 'string') return { ok: false, error: toks };
  try {
    return { ok: true, selector: new Parser(toks).parse() };
  } catch (e) {
    if (e instanceof SyntaxError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Does the selector match an endpoint whose labels `get` reads? */
export function matchesCalico(sel: CalicoSelector, get: LabelLookup): boolean {
  switch (sel.op) {
    case 'all':
      return true;
    case 'global':
      return false;
    case 'eq':
      return get(sel.key) === sel.value;
    case 'ne':
      return get(sel.key) !== sel.value;
    case 'in': {
      const v = get(sel.key);
      return v !== undefined && sel.values.includes(v);
    }
    case 'notin': {
      const v = get(sel.key);
      return v === undefined || !sel.values.includes(v);
    }
    case 'has':
      return get(sel.key) !== undefined;
    case 'contains': {
      const v = get(sel.key);
      return v !== undefined && v.includes(sel.value);
    }
    case 'startswith': {
      const v = get(sel.key);
      return v !== undefined && v.startsWith(sel.value);
    }
    case 'endswith': {
      const v = get(sel.key);
      return v !== undefined && v.endsWith(sel.value);
    }
    case 'not':
      return !matchesCalico(sel.expr, get);
    case 'and':
      return sel.exprs.every((e) => matchesCalico(e, get));
    case 'or':
      return sel.exprs.some((e) => matchesCalico(e, get));
  }
}

const quote = (s: string): string => `'${s}'`;

/** The canonical text of a selector: the same meaning written the same way (a cache key, and what explanations show). */
export function formatCalicoSelector(sel: CalicoSelector): string {
  switch (sel.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'eq':
      return `${sel.key} == ${quote(sel.value)}`;
    case 'ne':
      return `${sel.key} != ${quote(sel.value)}`;
    case 'in':
      return `${sel.key} in {${sel.values.map(quote).join(', ')}}`;
    case 'notin':
      return `${sel.key} not in {${sel.values.map(quote).join(', ')}}`;
    case 'has':
      return `has(${sel.key})`;
    case 'contains':
      return `${sel.key} contains ${quote(sel.value)}`;
    case 'startswith':
      return `${sel.key} starts with ${quote(sel.value)}`;
    case 'endswith':
      return `${sel.key} ends with ${quote(sel.value)}`;
    case 'not':
      return sel.expr.op === 'has' ? `!${formatCalicoSelector(sel.expr)}` : `!(${formatCalicoSelector(sel.expr)})`;
    case 'and':
      return sel.exprs.map((e) => (e.op === 'or' ? `(${formatCalicoSelector(e)})` : formatCalicoSelector(e))).join(' && ');
    case 'or':
      return sel.exprs.map(formatCalicoSelector).join(' || ');
  }
}

/** The label keys a selector reads (to know which synthetic labels it needs). */
export function calicoSelectorKeys(sel: CalicoSelector, out: Set<string> = new Set()): Set<string> {
  switch (sel.op) {
    case 'all':
    case 'global':
      break;
    case 'not':
      calicoSelectorKeys(sel.expr, out);
      break;
    case 'and':
    case 'or':
      for (const e of sel.exprs) calicoSelectorKeys(e, out);
      break;
    default:
      out.add(sel.key);
  }
  return out;
}
