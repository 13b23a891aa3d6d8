/**
 * The console page is served by the app itself: HTML, script and style from src/console/public,
 * no inline script (the CSP forbids it), no external address, and every text the script asks
 * for exists in locales/{kk,ru,en}/console.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consoleTexts, createConsolePages } from '../../src/console/pages.js';
import { createHttpApp } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

const app = createHttpApp([createConsolePages()], createLogger('silent'));
const script = readFileSync(new URL('../../src/console/public/console.js', import.meta.url), 'utf8');
const html = readFileSync(new URL('../../src/console/public/console.html', import.meta.url), 'utf8');
const texts = consoleTexts() as Record<string, Record<string, unknown>>;

const lookup = (table: unknown, key: string) =>
  key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], table);

describe('console page', () => {
  it('should serve the page, its script and its style, with the CSP that forbids inline scripts', async () => {
    const page = await app.request('/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const body = await page.text();
    expect(body).toContain('<script src="/console/console.js"></script>');
    // the only other script element is JSON data, never run
    const scripts = [...body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([' type="application/json" id="console-texts"', ' src="/console/console.js"']);
    const embedded = JSON.parse(
      /<script type="application\/json" id="console-texts">(.*?)<\/script>/s.exec(body)?.[1] ?? '',
    );
    expect(Object.keys(embedded)).toEqual(['kk', 'ru', 'en']);
    expect(embedded.kk.title).toBe(texts.kk?.title);
    const js = await app.request('/console/console.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toBe(script);
    expect((await app.request('/console/console.css')).headers.get('content-type')).toContain('text/css');
  });

  it('should load nothing from another address (no CDN)', () => {
    for (const source of [html, script]) expect(source).not.toMatch(/https?:\/\//);
  });

  it.each(['kk', 'ru', 'en'])('should have in %s every text the page uses', (lang) => {
    const keys = new Set([
      ...[...script.matchAll(/\bt\('([a-z_.]+)'/g)].map((m) => m[1] as string),
      ...[...html.matchAll(/data-t(?:-label)?="([a-z_.]+)"/g)].map((m) => m[1] as string),
    ]);
    // keys built from a value: every value the API may send
    for (const v of ['immediate', 'high', 'standard', 'none']) keys.add(`risk.${v}`);
    for (const v of ['me', 'child', 'other', 'minor', 'none']) keys.add(`who.${v}`);
    for (const v of ['bot', 'queued', 'counsellor', 'closed']) keys.add(`status.${v}`);
    for (const v of ['telegram', 'whatsapp', 'webchat']) keys.add(`channel.${v}`);
    for (const v of ['person', 'bot', 'counsellor']) keys.add(`author.${v}`);
    for (const v of ['queued', 'sent', 'failed']) keys.add(`delivery.${v}`);
    for (const v of ['resolved', 'referred', 'no_response', 'safety_plan', 'other']) keys.add(`outcome.${v}`);
    for (const v of ['off', 'starting', 'qr', 'connected', 'disconnected']) keys.add(`whatsapp.${v}`);
    for (const v of ['owned_by_other', 'not_owner', 'closed']) keys.add(`conversation.${v}`);
    for (const v of ['immediate', 'high']) keys.add(`alert.${v}`);
    // screening answers as the API gives them (question ids, answers)
    for (const v of [
      'g1',
      'g2',
      'a1',
      'a2',
      'a3',
      'a4',
      'b5',
      'b6',
      'b7',
      'b8',
      'b9',
      'b10',
      'b11',
      'c12',
      'd13',
      'other',
    ])
      keys.add(`item.${v}`);
    for (const v of ['yes', 'no', 'unsure', 'skip']) keys.add(`answer.${v}`);
    expect(keys.size).toBeGreaterThan(80);
    const missing = [...keys].filter((k) => typeof lookup(texts[lang], k) !== 'string');
    expect(missing).toEqual([]);
  });

  it('should name every kind of non-text message the engine logs', async () => {
    const { UNSUPPORTED_KINDS } = await import('../../src/core/types.js');
    for (const kind of UNSUPPORTED_KINDS) {
      expect(script).toContain(kind);
      for (const lang of ['kk', 'ru', 'en'])
        expect(typeof lookup(texts[lang], `media.${kind}`)).toBe('string');
    }
  });
});
