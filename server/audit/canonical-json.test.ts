import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, MAX_JSON_DEPTH } from './canonical-json.js';

/** [1, <hole>, 3]. */
function withHole(): unknown[] {
  const list: unknown[] = [1];
  list[2] = 3;
  return list;
}

function failure(value: unknown): { code: string; path: string; message: string } {
  try {
    canonicalJson(value, 'data');
  } catch (error) {
    if (error instanceof CanonicalJsonError)
      return { code: error.code, path: error.path, message: error.message };
    throw error;
  }
  throw new Error('expected canonicalJson to throw');
}

describe('canonicalJson', () => {
  it.each([
    [
      'sorts keys recursively, no whitespace',
      { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } },
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    ],
    [
      'numbers as ECMAScript prints them',
      [1.0, -0, 1e21, 1e-7, 0.1, 123456789012345680000],
      '[1,0,1e+21,1e-7,0.1,123456789012345680000]',
    ],
    [
      'strings escaped as JSON.stringify does',
      ['é\u0001\n"\\', '😀', '\u2028'],
      '["é\\u0001\\n\\"\\\\","😀","\u2028"]',
    ],
    // RFC 8785 §3.2.3 sorts by UTF-16 code units: U+1F600 (D83D DE00) before U+FB33, unlike code points.
    [
      'keys ordered by UTF-16 code units',
      { '\uFB33': 1, '😀': 2, a: 3, A: 4, '': 5 },
      '{"":5,"A":4,"a":3,"😀":2,"\uFB33":1}',
    ],
    ['booleans and null', { t: true, f: false, n: null }, '{"f":false,"n":null,"t":true}'],
    ['a __proto__ key is data', JSON.parse('{"__proto__":{"x":1}}'), '{"__proto__":{"x":1}}'],
    ['null-prototype objects', Object.assign(Object.create(null) as object, { b: 2, a: 1 }), '{"a":1,"b":2}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([
    ['NaN', { a: Number.NaN }, 'non_finite_number', 'data.a'],
    ['Infinity in an array', { list: [1, Number.POSITIVE_INFINITY] }, 'non_finite_number', 'data.list[1]'],
    ['undefined property', { a: { b: undefined } }, 'unsupported_type', 'data.a.b'],
    ['a function', { f: () => 1 }, 'unsupported_type', 'data.f'],
    ['a bigint', { n: 10n }, 'unsupported_type', 'data.n'],
    ['a symbol value', { s: Symbol('x') }, 'unsupported_type', 'data.s'],
    ['a Date', { when: new Date(0) }, 'unsupported_type', 'data.when'],
    ['a Map', { m: new Map() }, 'unsupported_type', 'data.m'],
    ['a hole in an array', { a: withHole() }, 'unsupported_type', 'data.a[1]'],
    ['symbol keys', { [Symbol('k')]: 1 }, 'unsupported_type', 'data'],
    ['a lone surrogate in a value', { s: 'a\uD800b' }, 'lone_surrogate', 'data.s'],
    ['a lone surrogate in a key', { 'k\uDC00': 1 }, 'lone_surrogate', 'data'],
    ['an odd key in the path', { 'x y': [Number.NaN] }, 'non_finite_number', 'data["x y"][0]'],
  ])('refuses %s, naming the path', (_name, value, code, path) => {
    expect(failure(value)).toMatchObject({ code, path });
  });

  it('says how to fix a Date', () => {
    expect(failure({ when: new Date(0) }).message).toBe(
      'data.when: a Date is not JSON; use plain objects and arrays; convert it with toISOString()',
    );
  });

  it('refuses cycles and excessive nesting instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(failure(cyclic)).toMatchObject({ code: 'cycle', path: 'data.self.back' });
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
    expect(failure(deep).code).toBe('too_deep');
    // The same object twice (not a cycle) is fine.
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('round-trips: parsing the output gives the value back, and re-encoding gives the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        const parsed: unknown = JSON.parse(text);
        expect(canonicalJson(parsed)).toBe(text);
        // Equal up to -0, which JSON has no spelling for.
        expect(parsed).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });

  it('answers any value with text or a CanonicalJsonError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withNullPrototype: true,
          withSparseArray: true,
        }),
        (value) => {
          try {
            expect(typeof canonicalJson(value)).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(CanonicalJsonError);
          }
        },
      ),
    );
  });
});
