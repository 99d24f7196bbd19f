/**
 * JSON without rounding (contract §6: "integers beyond 2^53 that are JSON numbers upstream
 * survive mapping exactly"). A leaf: importable from any layer, imports none.
 *
 * - `parseJsonLossless` is `JSON.parse`, except that an integer a double cannot hold exactly
 *   (beyond ±(2^53 − 1), e.g. Gong's int64 ids) becomes a `bigint`. The slow path (a small
 *   recursive-descent parser) only runs when the text has a run of 16+ digits; every other body
 *   goes straight to `JSON.parse`. Node 20 has no `context.source` in revivers, hence the parser.
 * - `stringifyJson` is `JSON.stringify`, except that a `bigint` is written as its digits. The
 *   common case costs nothing extra: only a value `JSON.stringify` refuses (it throws on bigint)
 *   takes the slow path.
 */

/** 16 digits in a row: the shortest run that can be an integer beyond 2^53 (9007199254740992). */
const RUN = 16;

/**
 * True when `text` has a run of 16+ digits (it may hold an integer a double cannot represent
 * exactly). Any such run covers a position that is a multiple of 16, so only those positions are
 * probed, and a run is measured only around a probe that hits a digit: a 100 KB body costs a few
 * microseconds, where a `/\d{16}/` regex costs about a third of JSON.parse itself.
 */
export function mayHoldBigIntegers(text: string): boolean {
  for (let probe = RUN - 1; probe < text.length; probe += RUN) {
    if (!isDigit(text.charCodeAt(probe))) continue;
    let start = probe;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < text.length && end - start < RUN && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= RUN) return true;
  }
  return false;
}

/** JSON forbids unescaped U+0000–U+001F in strings (RFC 8259 §7); JSON.parse reports them. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function parseJsonLossless(text: string): unknown {
  if (!mayHoldBigIntegers(text)) return JSON.parse(text);
  return new LosslessParser(text).document();
}

export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    return write(value, '') ?? 'null';
  }
}

/** A copy of `value` with every bigint as its decimal digits (for consumers that parse JSON with doubles). */
export function bigIntsAsStrings(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(bigIntsAsStrings);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) defineField(copy, key, bigIntsAsStrings(item));
    return copy;
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON.stringify's algorithm for the values JSON data holds, plus bigint (ECMA-262 §25.5.2). */
function write(value: unknown, key: string): string | undefined {
  let v = value;
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { toJSON?: unknown }).toJSON === 'function'
  ) {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    return `[${v.map((item, i) => write(item, String(i)) ?? 'null').join(',')}]`;
  }
  const parts: string[] = [];
  for (const [k, item] of Object.entries(v)) {
    const text = write(item, k);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** `__proto__` as a key is data (as JSON.parse makes it), never the prototype. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** RFC 8259 grammar; errors are SyntaxErrors with the offset, as JSON.parse's are. */
class LosslessParser {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value();
    this.space();
    if (this.at < this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, literal] of LITERALS) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return literal;
      }
    }
    return this.fail('unexpected token');
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return result;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ':') this.fail("expected ':'");
      this.at++;
      defineField(result, key, this.value());
      this.space();
      const c = this.text[this.at++];
      if (c === '}') return result;
      if (c !== ',') this.fail("expected ',' or '}'", -1);
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.space();
      const c = this.text[this.at++];
      if (c === ']') return result;
      if (c !== ',') this.fail("expected ',' or ']'", -1);
    }
  }

  /** A string token: its end found by scanning, its content decoded by JSON.parse itself. */
  private string(): string {
    const start = this.at;
    let end = start + 1;
    let escaped = false;
    for (;;) {
      end = this.text.indexOf('"', end);
      if (end < 0) this.fail('unterminated string');
      let backslashes = 0;
      while (this.text[end - 1 - backslashes] === '\\') backslashes++;
      if (backslashes > 0) escaped = true;
      if (backslashes % 2 === 0) break;
      end++;
    }
    this.at = end + 1;
    const token = this.text.slice(start, end + 1);
    // Without escapes the content is the slice, unless it holds control characters JSON forbids.
    if (!escaped && !hasControlCharacter(token)) return token.slice(1, -1);
    try {
      return JSON.parse(token) as string;
    } catch {
      return this.fail('invalid string', start - this.at);
    }
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('invalid number');
    this.at += match[0].length;
    const n = Number(match[0]);
    const integer = match[1] === undefined && match[2] === undefined;
    return integer && !Number.isSafeInteger(n) ? BigInt(match[0]) : n;
  }

  private space(): void {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  private fail(message: string, offset = 0): never {
    throw new SyntaxError(`${message} in JSON at position ${this.at + offset}`);
  }
}

const LITERALS: readonly (readonly [string, unknown])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
