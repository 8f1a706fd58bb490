/**
 * Where is a JSON text broken? Node 20's JSON.parse does not say, so this small
 * scanner walks the text (only after JSON.parse has failed) and returns the
 * offset of the first character that cannot continue valid JSON.
 */
class JsonStop extends Error {
  constructor(readonly offset: number, readonly expected: string) {
    super(expected);
  }
}

export function jsonErrorOffset(text: string): { offset: number; expected: string } {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (expected: string): never => {
    throw new JsonStop(i, expected);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`a value`);
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const n = text[i + 1];
        if (n === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { i += 2; fail('four hex digits'); }
          i += 6;
        } else if (n !== undefined && '"\\/bfnrt'.includes(n)) i += 2;
        else { i++; fail('an escape sequence'); }
        continue;
      }
      if (c < ' ') fail('no control characters in a string');
      i++;
    }
    fail('a closing "');
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('a value');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail('less nesting');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a "quoted" key');
        string();
        ws();
        if (text[i] !== ':') fail('":"');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail('"," or "}"');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail('"," or "]"');
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail('a value');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('the end of the text');
    return { offset: text.length, expected: 'nothing' };
  } catch (e) {
    if (e instanceof JsonStop) return { offset: e.offset, expected: e.expected };
    return { offset: i, expected: 'less nesting' };
  }
}
