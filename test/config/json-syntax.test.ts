import fc from 'fast-check';
import { findJsonSyntaxError } from '../../src/config';

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a": }', 1, 7, "expected a value (object, array, string, number, true, false or null), found '}'"],
    ['{"a" 1}', 1, 6, "expected ':' after the property name, found '1'"],
    ['[1,\n 2\n 3]', 3, 2, "expected ',' or ']' after an array element, found '3'"],
    ['{"a": "x', 1, 9, `expected a closing '"', found end of file`],
    ['{"a": tru}', 1, 10, "expected 'true', found '}'"],
    ['{"a": 1} x', 1, 10, "expected end of file after the JSON value, found 'x'"],
    ['{"a": 01}', 1, 8, "expected ',' or '}' after a property value, found '1'"],
    ['{"a": "\\x"}', 1, 9, "expected an escape character (\" \\ / b f n r t u), found 'x'"],
    [
      '{"a": "\t"}',
      1,
      8,
      `expected a closing '"' (control characters must be escaped), found control character U+0009`,
    ],
  ])('locates the error in %j', (text, line, column, message) => {
    expect(findJsonSyntaxError(text)).toEqual({ offset: expect.any(Number), line, column, message });
  });

  it('accepts exactly what JSON.parse accepts (valid documents)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(findJsonSyntaxError(text)).toBeUndefined();
      }),
    );
  });

  it('accepts exactly what JSON.parse accepts (mutated documents)', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', '0', '-', 'e', '\\', ' ', '\n', 'x'),
      )
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (at % 2));
      });
    fc.assert(
      fc.property(mutated, (text) => {
        expect(findJsonSyntaxError(text) === undefined).toBe(isValidJson(text));
      }),
      { numRuns: 2000 },
    );
  });
});
