import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, lineColumn, parseJson } from './json-source.js';

function errorAt(text: string): { line: number; column: number; message: string } {
  try {
    parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ...lineColumn(text, error.position), message: error.message };
    throw error;
  }
  throw new Error('parsed');
}

describe('parseJson', () => {
  it.each(['{"a":[1,2.5e3,-0,true,false,null,"x\\u00e9\\n"]}', '[]', '{}', ' "é" ', '[{"b":{}}]', '-12.5E-2'])(
    'gives the value JSON.parse gives for %s',
    (text) => {
      expect(parseJson(text).value).toEqual(JSON.parse(text));
    },
  );

  it('keeps where every array element starts and ends, so that a batch can be cut into its events', () => {
    const text = '[ {"id": 1},\n  {"id": [2, 3]} ]';
    const node = parseJson(text);
    expect(node.items?.map((item) => text.slice(item.start, item.end))).toEqual(['{"id": 1}', '{"id": [2, 3]}']);
    expect(node.items?.[1].members?.get('id')?.items?.map((i) => i.value)).toEqual([2, 3]);
  });

  it('keeps a member named __proto__ as data', () => {
    const value = parseJson('{"__proto__": {"polluted": true}}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, `expected ',' or '}' after an object member, found "\\""`],
    ['[1, 2', 1, 6, "expected ',' or ']' after an array element, found the end of the text"],
    ['{"a": tru}', 1, 7, 'expected a value, found "t"'],
    ['{"a": "x\ny"}', 1, 9, 'a control character (such as a line break) in a string must be escaped'],
    ['{"a": "x', 1, 7, 'a string is never closed'],
    ["{'a': 1}", 1, 2, `expected a member name in double quotes, found "'"`],
    ['{"a" 1}', 1, 6, `expected ':' after the member name, found "1"`],
    ['[01]', 1, 3, `expected ',' or ']' after an array element, found "1"`],
    ['{"a": 1} x', 1, 10, 'unexpected text after the JSON value: "x"'],
    ['"\\x"', 1, 2, 'invalid escape in a string: \\x'],
    ['', 1, 1, 'expected a value, found the end of the text'],
  ])('refuses %j at line %i, column %i', (text, line, column, message) => {
    expect(errorAt(text)).toEqual({ line, column, message });
  });

  it('refuses nesting deeper than 32 levels instead of overflowing the stack', () => {
    expect(errorAt('['.repeat(10_000)).message).toBe('nested deeper than 32 levels');
  });
});
