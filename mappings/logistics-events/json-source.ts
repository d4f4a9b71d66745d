// JSON read with positions: every value keeps where it starts and ends in the text, so that a batch can be cut into
// each event's own text (kept whole for quarantine and replay) and a syntax error can be told as line and column.
// Strict RFC 8259; strings and numbers are decoded by JSON.parse once their extent is known.

export interface JsonNode {
  readonly value: unknown;
  readonly start: number;
  readonly end: number;
  /** The elements of an array. */
  readonly items?: readonly JsonNode[];
  /** The members of an object (a repeated name: the last one, as JSON.parse does). */
  readonly members?: ReadonlyMap<string, JsonNode>;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 32;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(reason: string, at = this.pos): never {
    throw new JsonSyntaxError(at, reason);
  }

  space(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  found(): string {
    return this.pos >= this.text.length ? 'the end of the text' : JSON.stringify(this.text[this.pos]);
  }

  value(depth: number): JsonNode {
    this.space();
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        const start = this.pos;
        this.pos += word.length;
        return { value, start, end: this.pos };
      }
    }
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(this.text);
    if (number && number[0] !== '-') {
      const start = this.pos;
      this.pos += number[0].length;
      return { value: Number(number[0]), start, end: this.pos };
    }
    return this.fail(`expected a value, found ${this.found()}`);
  }

  string(): JsonNode {
    const start = this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"') {
        this.pos++;
        return { value: JSON.parse(this.text.slice(start, this.pos)) as string, start, end: this.pos };
      }
      if (c === '\\') {
        const escaped = this.text[this.pos + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('invalid \\u escape');
          this.pos += 6;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) {
          this.pos += 2;
        } else {
          this.fail(`invalid escape in a string: \\${escaped ?? ''}`);
        }
      } else if (c < ' ') {
        this.fail('a control character (such as a line break) in a string must be escaped');
      } else {
        this.pos++;
      }
    }
    return this.fail('a string is never closed', start);
  }

  array(depth: number): JsonNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { value: [], start, end: this.pos, items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.space();
      const c = this.text[this.pos];
      if (c !== ',' && c !== ']') this.fail(`expected ',' or ']' after an array element, found ${this.found()}`);
      this.pos++;
      if (c === ']') return { value: items.map((i) => i.value), start, end: this.pos, items };
    }
  }

  object(depth: number): JsonNode {
    const start = this.pos++;
    const members = new Map<string, JsonNode>();
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { value: {}, start, end: this.pos, members };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail(`expected a member name in double quotes, found ${this.found()}`);
      const name = this.string().value as string;
      this.space();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after the member name, found ${this.found()}`);
      this.pos++;
      members.set(name, this.value(depth));
      this.space();
      const c = this.text[this.pos];
      if (c !== ',' && c !== '}') this.fail(`expected ',' or '}' after an object member, found ${this.found()}`);
      this.pos++;
      if (c === '}') {
        // fromEntries makes own properties, so a member named __proto__ stays data
        const value = Object.fromEntries([...members].map(([k, v]) => [k, v.value]));
        return { value, start, end: this.pos, members };
      }
    }
  }
}

export function parseJson(text: string): JsonNode {
  const reader = new Reader(text);
  const node = reader.value(0);
  reader.space();
  if (reader.pos < text.length) reader.fail(`unexpected text after the JSON value: ${reader.found()}`);
  return node;
}

/** 1-based line and column of a position (a column counts characters from the line's start). */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: position - lastBreak };
}
