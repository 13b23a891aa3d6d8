/**
 * The counsellor console's page at /console: one HTML shell, one script and one stylesheet from
 * src/console/public/, all served by the app (no CDN, no build step, no inline script: the CSP of
 * src/http/server.ts forbids it). The page talks only to the JSON API (docs/console-api.md).
 * Every console text comes from locales/{kk,ru,en}/console.json, embedded as JSON data so the
 * counsellor can switch the language at once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LANGS } from '../core/types.js';
import type { HttpMountable } from '../http/server.js';
import { LOCALES_DIR } from '../i18n/translator.js';

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');

/** The console namespace of each language, as written in the locale files. */
export function consoleTexts(dir = LOCALES_DIR): Record<string, unknown> {
  return Object.fromEntries(
    LANGS.map((lang) => [lang, JSON.parse(readFileSync(join(dir, lang, 'console.json'), 'utf8'))]),
  );
}

export function createConsolePages(): HttpMountable {
  // `<` is escaped so no text can close the data element.
  const texts = JSON.stringify(consoleTexts()).replace(/</g, '\\u003c');
  const html = asset('console.html').replace('{{texts}}', () => texts);
  const script = asset('console.js');
  const style = asset('console.css');
  const noStore = { 'Cache-Control': 'no-store' };
  return {
    mount(app: Hono) {
      app.get('/console', (c) => c.html(html, 200, noStore));
      app.get('/console/', (c) => c.redirect('/console'));
      app.get('/console/console.js', (c) =>
        c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...noStore }),
      );
      app.get('/console/console.css', (c) =>
        c.body(style, 200, { 'Content-Type': 'text/css; charset=utf-8', ...noStore }),
      );
    },
  };
}
