/**
 * Bot API failures -> DeliveryError, the one error type the outbox dispatcher understands.
 * https://core.telegram.org/bots/api#making-requests and https://core.telegram.org/bots/faq
 */
import { GrammyError, HttpError } from 'grammy';
import { DeliveryError } from '../../core/errors.js';

/** Used when a 429 carries no retry_after (it always should). */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** 400s that mean the chat itself cannot be reached any more. */
const UNREACHABLE_400 = /chat not found|user not found|peer_id_invalid|chat_id_invalid/i;

export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof GrammyError) {
    const code = error.error_code;
    const what = `${error.method}: ${code} ${error.description}`.slice(0, 200);
    if (code === 429) {
      const after = error.parameters.retry_after;
      return new DeliveryError('telegram', what, {
        retryable: true,
        retryAfterMs: typeof after === 'number' ? after * 1000 : DEFAULT_RETRY_AFTER_MS,
        cause: error,
      });
    }
    // 403: the person blocked the bot, deleted their account, or never started it.
    if (code === 403 || (code === 400 && UNREACHABLE_400.test(error.description))) {
      return new DeliveryError('telegram', what, { blocked: true, cause: error });
    }
    // 5xx: Telegram's side. 401/404/409: a token or API root problem an operator can fix; keep the items.
    if (code >= 500 || code === 401 || code === 404 || code === 409) {
      return new DeliveryError('telegram', what, { retryable: true, cause: error });
    }
    return new DeliveryError('telegram', what, { cause: error });
  }
  if (error instanceof HttpError) {
    return new DeliveryError('telegram', `network: ${error.message}`.slice(0, 200), {
      retryable: true,
      cause: error,
    });
  }
  return new DeliveryError('telegram', 'unexpected send error', { retryable: true, cause: error });
}

/**
 * deleteMessage(s) failures that leave nothing to do: the message is already gone, older than
 * 48 hours, or otherwise not deletable. Quick exit deletes what it can and moves on.
 */
export function isHarmlessDeleteError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400;
}
