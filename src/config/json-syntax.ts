/** Where and why a JSON text is malformed. */
export interface JsonSyntaxError {
  /** 0-based offset in the text (UTF-16 code units). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** What was expected and what was found, e.g. `expected ',' or '}' after a property, found '"'`. */
  message: string;
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeFound(text: string, offset: number): string {
  if (offset >= text.length) return 'end of file';
  const code = text.charCodeAt(offset);
  if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${text[offset]}'`;
}

/**
 * A strict RFC 8259 scanner that only finds the first syntax error. `JSON.parse` in Node 20 reports a
 * position for some errors and none for others, and its message quotes the text; this gives a line and
 * column every time and never echoes file content beyond one character.
 */
class JsonScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  scanDocument(): void {
    this.skipWhitespace();
    this.scanValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) throw new SyntaxAt(this.pos, 'end of file after the JSON value');
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  private scanValue(): void {
    const c = this.text[this.pos];
    if (c === '{') return this.scanObject();
    if (c === '[') return this.scanArray();
    if (c === '"') return this.scanString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.scanNumber();
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) return this.scanWord(word);
    }
    throw new SyntaxAt(this.pos, 'a value (object, array, string, number, true, false or null)');
  }

  private scanWord(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.text[this.pos] !== word[i]) throw new SyntaxAt(this.pos, `'${word}'`);
      this.pos++;
    }
  }

  private scanObject(): void {
    this.pos++; // '{'
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') throw new SyntaxAt(this.pos, 'a double-quoted property name');
      this.scanString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') throw new SyntaxAt(this.pos, "':' after the property name");
      this.pos++;
      this.skipWhitespace();
      this.scanValue();
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return;
      }
      if (c !== ',') throw new SyntaxAt(this.pos, "',' or '}' after a property value");
      this.pos++;
      this.skipWhitespace();
    }
  }

  private scanArray(): void {
    this.pos++; // '['
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.scanValue();
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return;
      }
      if (c !== ',') throw new SyntaxAt(this.pos, "',' or ']' after an array element");
      this.pos++;
      this.skipWhitespace();
    }
  }

  private scanString(): void {
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) throw new SyntaxAt(this.pos, "a closing '\"'");
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++;
        return;
      }
      if (code < 0x20) throw new SyntaxAt(this.pos, "a closing '\"' (control characters must be escaped)");
      if (code === 0x5c) this.scanEscape();
      else this.pos++;
    }
  }

  private scanEscape(): void {
    this.pos++; // backslash
    const c = this.text[this.pos];
    if (c !== undefined && '"\\/bfnrt'.includes(c)) {
      this.pos++;
      return;
    }
    if (c === 'u') {
      this.pos++;
      for (let i = 0; i < 4; i++) {
        if (!/[0-9a-fA-F]/.test(this.text[this.pos] ?? ''))
          throw new SyntaxAt(this.pos, 'a hex digit in \\u escape');
        this.pos++;
      }
      return;
    }
    throw new SyntaxAt(this.pos, 'an escape character (" \\ / b f n r t u)');
  }

  private scanDigits(): void {
    const start = this.pos;
    while (/[0-9]/.test(this.text[this.pos] ?? '')) this.pos++;
    if (this.pos === start) throw new SyntaxAt(this.pos, 'a digit');
  }

  private scanNumber(): void {
    if (this.text[this.pos] === '-') this.pos++;
    if (this.text[this.pos] === '0') this.pos++;
    else this.scanDigits();
    if (this.text[this.pos] === '.') {
      this.pos++;
      this.scanDigits();
    }
    if (this.text[this.pos] === 'e' || this.text[this.pos] === 'E') {
      this.pos++;
      if (this.text[this.pos] === '+' || this.text[this.pos] === '-') this.pos++;
      this.scanDigits();
    }
  }
}

/** Finds the first syntax error in a JSON text, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new JsonScanner(text).scanDocument();
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxAt)) throw err;
    return {
      offset: err.offset,
      ...lineColumn(text, err.offset),
      message: `expected ${err.expected}, found ${describeFound(text, err.offset)}`,
    };
  }
}
