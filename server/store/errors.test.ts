import { describe, expect, it } from 'vitest';
import { isDiskFull } from './errors.js';

describe('isDiskFull', () => {
  it("recognises SQLite's SQLITE_FULL, also as the cause of another error", () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(isDiskFull(full)).toBe(true);
    expect(isDiskFull(new Error('commit failed', { cause: new Error('step', { cause: full }) }))).toBe(true);
  });

  it('is false for other errors and for values that are not errors', () => {
    expect(isDiskFull(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }))).toBe(false);
    expect(isDiskFull(new Error('database or disk is full'))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
    expect(isDiskFull('SQLITE_FULL')).toBe(false);
  });
});
