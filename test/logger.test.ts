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
