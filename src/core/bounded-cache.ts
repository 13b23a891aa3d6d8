/**
 * A small least-recently-used cache with a hard size limit. Every in-memory cache of the hot path
 * is one of these and registers itself by name, so `npm run bench` can show each one's size and
 * prove none of them grows without bound.
 */
const registry = new Map<string, { readonly size: number; readonly limit: number }>();

export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly limit: number;

  constructor(name: string, limit: number) {
    this.limit = limit;
    // several instances of one kind (e.g. two stores in a test) are counted together
    let n = 1;
    while (registry.has(n === 1 ? name : `${name}#${n}`)) n++;
    registry.set(n === 1 ? name : `${name}#${n}`, this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    // Most recently used last: the oldest entry is the first one Map iterates. Far from the limit
    // nothing is evicted, so the order is only kept up once the cache is three quarters full.
    if (value !== undefined && this.#map.size * 4 >= this.limit * 3) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.limit) this.#map.delete(this.#map.keys().next().value as K);
  }

  clear(): void {
    this.#map.clear();
  }
}

/** Every registered cache: name, entries and limit (for the bench's memory table). */
export function cacheSizes(): Array<{ name: string; size: number; limit: number }> {
  return [...registry].map(([name, c]) => ({ name, size: c.size, limit: c.limit }));
}
