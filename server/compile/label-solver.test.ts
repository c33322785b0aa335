import { describe, expect, it } from 'vitest';
import { regexExamples, solveLabels } from './label-solver.js';

describe('label values for custom selectors', () => {
  it.each([
    ['5..', ['5xx']],
    ['a|b(c|d)e', ['a', 'bce']],
    ['[0-9]+', ['0']],
    ['\\d{3}', ['000']],
    ['.*', ['']],
    ['(?:get|post)_total', ['get_total']],
    ['(?P<x>a)', []],
    ['a[', []],
  ])('examples of /%s/', (pattern, expected) => {
    expect(regexExamples(pattern)).toEqual(expected);
  });

  it('finds a series both selectors match', () => {
    expect(
      solveLabels([
        [
          { name: '__name__', op: '=', value: 'http_requests_total' },
          { name: 'code', op: '=~', value: '5..' },
        ],
        [
          { name: '__name__', op: '=', value: 'http_requests_total' },
          { name: 'job', op: '=', value: 'x' },
        ],
      ]),
    ).toEqual({ __name__: 'http_requests_total', code: '5xx', job: 'x' });
  });

  it('finds a series the total selects and the errors do not', () => {
    const errors = [
      { name: 'job', op: '=', value: 'x' },
      { name: 'code', op: '=~', value: '5..' },
    ] as const;
    expect(solveLabels([[{ name: 'job', op: '=', value: 'x' }]], [errors])).toEqual({
      job: 'x',
      code: '200',
    });
    expect(
      solveLabels([[{ name: 'a', op: '!~', value: '.+' }]], [[{ name: 'b', op: '!=', value: 'v' }]]),
    ).toEqual({ b: 'v' });
  });

  it('gives up when nothing simple fits', () => {
    expect(
      solveLabels([[{ name: 'a', op: '=', value: '1' }], [{ name: 'a', op: '=', value: '2' }]]),
    ).toBeUndefined();
    expect(solveLabels([[{ name: 'a', op: '=~', value: 'q{3}z' }]])).toEqual({ a: 'qqqz' });
  });
});
