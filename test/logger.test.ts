import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('logger', () => {
  it('should redact message text, addresses and ids that slip into a log line', () => {
    const { logger, lines } = capture();
    logger.info({ text: 'he hit me', userId: '77015550123', nested: { address: '77015550123@c.us' } }, 'x');
    const out = lines.join('');
    expect(out).not.toContain('he hit me');
    expect(out).not.toContain('77015550123');
    expect(out).toContain('[redacted]');
  });

  it('should keep a bot token out of logged errors', () => {
    const { logger, lines } = capture();
    const err = new Error(
      'request to https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage failed',
    );
    logger.error({ err }, 'send failed');
    const out = lines.join('');
    expect(out).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(out).toContain('[token]');
  });
});

describe('logger: nested objects and error messages', () => {
  it('should redact personal fields at any depth, not only the first two levels', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        outer: {
          inner: { deeper: { text: 'he hit me', username: 'aigerim_k', list: [{ address: 'Abai 12' }] } },
        },
      },
      'x',
    );
    const out = lines.join('');
    for (const planted of ['he hit me', 'aigerim_k', 'Abai 12']) expect(out).not.toContain(planted);
    expect(out).toContain('"deeper":{');
  });

  it('should scrub WhatsApp ids, phone numbers and chat ids from error messages and their causes', () => {
    const { logger, lines } = capture();
    const cause = new Error('Evaluation failed: could not send to 77015550123@c.us');
    const err = new Error('send failed for chat 7000000123 (+7 701 555 01 23)', { cause });
    logger.error({ err }, 'delivery failed');
    const out = lines.join('');
    for (const planted of ['77015550123', '7000000123', '701 555 01 23']) expect(out).not.toContain(planted);
    expect(JSON.parse(out).err).toMatchObject({
      type: 'Error',
      message: 'send failed for chat [number] ([number])',
      cause: { message: 'Evaluation failed: could not send to [whatsapp-id]' },
    });
  });

  it('should scrub an error nested under any key, and an error logged alone', () => {
    const { logger, lines } = capture();
    logger.warn({ ctx: { failure: new Error('no chat 77015550123@c.us') } }, 'nested');
    logger.error(new Error('lost 7000000123'));
    const out = lines.join('');
    expect(out).not.toContain('77015550123');
    expect(out).not.toContain('7000000123');
    expect(out).toContain('[whatsapp-id]');
  });

  it('should never log the request payload a grammY error carries', async () => {
    const { GrammyError } = await import('grammy');
    const { logger, lines } = capture();
    const err = new GrammyError(
      "Call to 'sendMessage' failed!",
      { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
      'sendMessage',
      { chat_id: 7000000123, text: 'my address is Abai 12' },
    );
    logger.warn({ err }, 'send failed');
    const out = lines.join('');
    expect(out).not.toContain('Abai 12');
    expect(out).not.toContain('7000000123');
    expect(out).toContain('chat not found');
  });

  it('should keep what operators need: counts, ids of rows, channels, dates', () => {
    const { logger, lines } = capture();
    logger.info(
      { channel: 'telegram', outbox: 42, attempt: 3, at: '2026-12-03' },
      'delivery will be retried',
    );
    expect(JSON.parse(lines.join(''))).toMatchObject({
      channel: 'telegram',
      outbox: 42,
      attempt: 3,
      at: '2026-12-03',
      msg: 'delivery will be retried',
    });
  });
});
