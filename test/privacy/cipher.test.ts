import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher } from '../../src/privacy/cipher.js';

describe('cipher', () => {
  it('should round-trip text and never produce the same ciphertext twice', () => {
    const c = createCipher(randomBytes(32));
    const a = c.encrypt('сізге зиян келтіретін адам');
    const b = c.encrypt('сізге зиян келтіретін адам');
    expect(a.equals(b)).toBe(false);
    expect(c.decrypt(a)).toBe('сізге зиян келтіретін адам');
  });

  it('should refuse tampered ciphertext and another key', () => {
    const c = createCipher(randomBytes(32));
    const sealed = c.encrypt('hello');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    expect(() => c.decrypt(tampered)).toThrow();
    expect(() => createCipher(randomBytes(32)).decrypt(sealed)).toThrow();
  });

  it('should give stable, keyed pseudonyms that do not contain the input', () => {
    const key = randomBytes(32);
    const c = createCipher(key);
    const id = c.pseudonym('telegram', '123456789');
    expect(id).toBe(createCipher(key).pseudonym('telegram', '123456789'));
    expect(id).not.toBe(createCipher(randomBytes(32)).pseudonym('telegram', '123456789'));
    expect(id).not.toBe(c.pseudonym('whatsapp', '123456789'));
    expect(c.pseudonym('ab', 'c')).not.toBe(c.pseudonym('a', 'bc'));
    expect(id).not.toContain('123456789');
  });
});

describe('cipher during a key rotation', () => {
  it('should read values of the old key, seal with the new one, and keep pseudonyms with PSEUDONYM_KEY', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = createCipher(oldKey);
    const sealedOld = before.encrypt('written before');
    const during = createCipher(newKey, { oldKeys: [oldKey], pseudonymKey: oldKey });
    expect(during.decrypt(sealedOld)).toBe('written before');
    const sealedNew = during.encrypt('written during');
    expect(() => before.decrypt(sealedNew)).toThrow();
    expect(createCipher(newKey).decrypt(sealedNew)).toBe('written during');
    expect(() => createCipher(newKey).decrypt(sealedOld)).toThrow();
    // the same person, the same pseudonym, whatever the data key
    expect(during.pseudonym('telegram', '42')).toBe(before.pseudonym('telegram', '42'));
    expect(createCipher(newKey).pseudonym('telegram', '42')).not.toBe(before.pseudonym('telegram', '42'));
  });
});

describe('cipher IVs', () => {
  it('should never repeat an IV across pool refills', () => {
    const c = createCipher(randomBytes(32));
    const ivs = new Set<string>();
    for (let i = 0; i < 5000; i++) ivs.add(c.encrypt('x').subarray(1, 13).toString('hex'));
    expect(ivs.size).toBe(5000);
  });
});
