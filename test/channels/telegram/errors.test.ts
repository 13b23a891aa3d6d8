import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { isHarmlessDeleteError, toDeliveryError } from '../../../src/channels/telegram/errors.js';
import { DeliveryError } from '../../../src/core/errors.js';

const apiError = (error_code: number, description: string, parameters = {}) =>
  new GrammyError(
    `Call to 'sendMessage' failed! (${error_code}: ${description})`,
    { ok: false, error_code, description, parameters },
    'sendMessage',
    { chat_id: 1, text: 'secret words' },
  );

describe('toDeliveryError', () => {
  it('should retry a 429 after retry_after', () => {
    const e = toDeliveryError(apiError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }));
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ channel: 'telegram', retryable: true, blocked: false, retryAfterMs: 7000 });
  });

  it('should retry 5xx and network errors', () => {
    expect(toDeliveryError(apiError(500, 'Internal Server Error'))).toMatchObject({ retryable: true });
    expect(toDeliveryError(apiError(502, 'Bad Gateway'))).toMatchObject({ retryable: true });
    const network = toDeliveryError(
      new HttpError("Network request for 'sendMessage' failed!", new Error('ECONNRESET')),
    );
    expect(network).toMatchObject({ retryable: true, blocked: false });
  });

  it('should mark the person unreachable on 403 and on a chat that no longer exists', () => {
    for (const d of ['Forbidden: bot was blocked by the user', 'Forbidden: user is deactivated']) {
      expect(toDeliveryError(apiError(403, d))).toMatchObject({ blocked: true, retryable: false });
    }
    expect(toDeliveryError(apiError(400, 'Bad Request: chat not found'))).toMatchObject({ blocked: true });
  });

  it('should fail other 400s for good', () => {
    expect(toDeliveryError(apiError(400, 'Bad Request: message is too long'))).toMatchObject({
      retryable: false,
      blocked: false,
    });
  });

  it('should not carry the text or the chat id in its message', () => {
    const e = toDeliveryError(apiError(403, 'Forbidden: bot was blocked by the user'));
    expect(e.message).not.toContain('secret words');
    expect(e.message).toBe('sendMessage: 403 Forbidden: bot was blocked by the user');
  });

  it('should pass a DeliveryError through', () => {
    const original = new DeliveryError('telegram', 'x', { blocked: true });
    expect(toDeliveryError(original)).toBe(original);
  });
});

describe('isHarmlessDeleteError', () => {
  it('should treat a message that cannot be deleted as done, but not a rate limit', () => {
    expect(isHarmlessDeleteError(apiError(400, 'Bad Request: message to delete not found'))).toBe(true);
    expect(isHarmlessDeleteError(apiError(400, "Bad Request: message can't be deleted"))).toBe(true);
    expect(isHarmlessDeleteError(apiError(429, 'Too Many Requests', { retry_after: 1 }))).toBe(false);
    expect(isHarmlessDeleteError(new Error('x'))).toBe(false);
  });
});
