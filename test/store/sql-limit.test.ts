import { describe, expect, it } from 'vitest';
import { sqlLimit } from '../../src/store/sql.js';

describe('sqlLimit', () => {
  it('should write a whole-number LIMIT into the SQL and refuse anything else', () => {
    expect(sqlLimit(8)).toBe('LIMIT 8');
    expect(sqlLimit(0)).toBe('LIMIT 0');
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      expect(() => sqlLimit(bad)).toThrow(RangeError);
  });
});
