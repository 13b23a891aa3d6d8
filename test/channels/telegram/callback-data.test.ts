import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flows } from '../../../flows/index.js';
import {
  decodeChoice,
  encodeChoice,
  MAX_CALLBACK_DATA_BYTES,
} from '../../../src/channels/telegram/callback-data.js';

/** Every choice id any flow offers, read from the machines' state meta. */
function allChoiceIds(): string[] {
  const ids = new Set<string>(['sos', 'menu']);
  const visit = (node: { meta?: unknown; states?: Record<string, unknown> }) => {
    const prompt = (node.meta as { prompt?: { choices?: { id: string }[] } } | undefined)?.prompt;
    for (const c of prompt?.choices ?? []) ids.add(c.id);
    for (const child of Object.values(node.states ?? {})) visit(child as typeof node);
  };
  for (const flow of Object.values(flows)) visit(flow.machine.root as never);
  return [...ids];
}

describe('callback data', () => {
  it('should round-trip every choice id the flows offer, within 64 bytes', () => {
    const ids = allChoiceIds();
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) {
      const data = encodeChoice(id);
      expect(data, id).toBeDefined();
      expect(Buffer.byteLength(data as string, 'utf8')).toBeLessThanOrEqual(MAX_CALLBACK_DATA_BYTES);
      expect(decodeChoice(data)).toBe(id);
    }
  });

  it('should refuse ids that cannot travel in a button', () => {
    expect(encodeChoice('')).toBeUndefined();
    expect(encodeChoice('Has Space')).toBeUndefined();
    expect(encodeChoice('a'.repeat(33))).toBeUndefined();
    expect(encodeChoice('ид')).toBeUndefined();
  });

  it('should not decode data that is not ours', () => {
    for (const data of [
      undefined,
      '',
      'c:',
      'x:yes',
      'yes',
      'c:YES',
      'c:yes;drop table',
      `c:${'a'.repeat(70)}`,
      'c:../../etc',
      'c:\u0000',
    ]) {
      expect(decodeChoice(data), JSON.stringify(data)).toBeUndefined();
    }
  });

  it('should never throw on random bytes', () => {
    for (let i = 0; i < 500; i++) {
      const data = randomBytes(1 + (i % 64)).toString('latin1');
      const id = decodeChoice(data);
      if (id !== undefined) expect(encodeChoice(id)).toBe(data);
    }
  });
});
