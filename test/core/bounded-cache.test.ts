import { describe, expect, it } from 'vitest';
import { BoundedCache, cacheSizes } from '../../src/core/bounded-cache.js';

describe('BoundedCache', () => {
  it('should keep at most its limit, dropping the least recently used, and be counted', () => {
    const c = new BoundedCache<string, number>('test.cache', 3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('d', 4);
    expect(c.size).toBe(3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(cacheSizes().find((x) => x.name === 'test.cache')).toEqual({
      name: 'test.cache',
      size: 3,
      limit: 3,
    });
  });
});
