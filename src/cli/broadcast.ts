/**
 * `npm run broadcast -- <command>`: create, start and watch campaign broadcasts from a terminal,
 * on the same database and settings as the app (.env / environment). The app's sender does the
 * sending; this tool writes campaigns and reads their progress.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { campaignInputSchema, preview } from '../broadcast/compose.js';
import { channelPaces } from '../broadcast/index.js';
import { loadConfig } from '../config.js';
import type { Channel, Lang } from '../core/types.js';
import { LANGS } from '../core/types.js';
import { createTranslator } from '../i18n/translator.js';
import { createCipher } from '../privacy/cipher.js';
import { resolveDataKey } from '../privacy/data-key.js';
import { type AudienceRules, type Campaign, createBroadcastStore } from '../store/broadcast-store.js';
import { openStore } from '../store/index.js';

export const HELP = `Campaign broadcasts to people who opted in (the "News from Tirek" entry of the bot's menu).

Usage: npm run broadcast -- <command> [options]

Commands
  list                          campaigns, newest first
  create --name NAME --text-ru TEXT [--text-kk TEXT] [--text-en TEXT]
         [--link https://… --link-label-ru TEXT …] [--lang kk,ru,en] [--channel telegram]
         [--source TAG,…] [--at 2026-11-25T11:00+05:00]
                                a draft; prints what a lock screen would show and the number of
                                recipients. A text may be @file.txt. The first line must be neutral.
  show ID                       the campaign, its previews, recipients or progress
  start ID [--yes]              confirm and send (or schedule, with --at): states the number of
                                recipients and asks; --yes answers for you (scripts)
  pause ID | resume ID | cancel ID
  watch ID                      a progress bar until the campaign ends, then the report

What every campaign does
  · goes only to people who said yes in the bot, at most BROADCAST_MAX_PER_MONTH times in 30 days
  · silent (no sound), no link preview, ends with how to stop ("stop" / "стоп" / "тоқта")
  · only between BROADCAST_HOURS (default 10:00-19:00) on the TIMEZONE clock; it waits outside them
  · paced under Telegram's limits (BROADCAST_RATE_PER_SECOND, 1 message per chat per second)
  · a message in flight when the app died is counted "unknown" and never sent again
  The app (npm start) must be running: its sender sends.
`;

const fail = (msg: string): never => {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
};

const textArg = (v: string | undefined) => (v?.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      'text-kk': { type: 'string' },
      'text-ru': { type: 'string' },
      'text-en': { type: 'string' },
      link: { type: 'string' },
      'link-label-kk': { type: 'string' },
      'link-label-ru': { type: 'string' },
      'link-label-en': { type: 'string' },
      lang: { type: 'string' },
      channel: { type: 'string' },
      source: { type: 'string' },
      at: { type: 'string' },
      yes: { type: 'boolean' },
    },
  });
  const [command, idArg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig();
  const { key } = resolveDataKey(config.DATA_KEY, config.DATABASE_PATH);
  const cipher = createCipher(key);
  const { store, db } = await openStore(config, cipher, () => {});
  const broadcasts = createBroadcastStore(db, cipher);
  const translator = createTranslator();
  const defaultLang = config.BROADCAST_DEFAULT_LANG;
  const channels = (Object.keys(channelPaces(config)) as Channel[]).filter(
    (c) => (c === 'telegram' && config.TELEGRAM_BOT_TOKEN) || (c === 'whatsapp' && config.WHATSAPP_ENABLED),
  );
  const rules = (): AudienceRules => ({
    channels,
    defaultLang,
    maxPerMonth: config.BROADCAST_MAX_PER_MONTH,
    now: Date.now(),
  });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const get = async (): Promise<Campaign> => {
    const c = /^\d+$/.test(idArg ?? '') ? await broadcasts.getCampaign(Number(idArg)) : undefined;
    return c ?? fail(`no campaign ${idArg ?? ''}: see npm run broadcast -- list`);
  };
  const showPreviews = (c: Pick<Campaign, 'texts' | 'link'>) => {
    for (const lang of LANGS) {
      if (!c.texts[lang]) continue;
      const p = preview(c, lang, defaultLang, translator);
      out(
        `[${lang}] lock screen: ${p.lockScreen}${p.neutral ? '' : `   ✗ not neutral: ${p.flagged.join(', ')}`}`,
      );
    }
  };

  try {
    switch (command) {
      case 'list':
        for (const c of await broadcasts.listCampaigns()) out(`${c.id}\t${c.status}\t${c.name}`);
        return;
      case 'create': {
        const list = (v: string | undefined) =>
          v
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [];
        const texts: Partial<Record<Lang, string>> = {};
        const label: Partial<Record<Lang, string>> = {};
        for (const lang of LANGS) {
          const t = textArg(values[`text-${lang}`]);
          if (t) texts[lang] = t;
          const l = values[`link-label-${lang}`];
          if (l) label[lang] = l;
        }
        const sendAt = values.at ? Date.parse(values.at) : null;
        if (sendAt !== null && Number.isNaN(sendAt))
          fail('--at: not a date and time (e.g. 2026-11-25T11:00+05:00)');
        const parsed = campaignInputSchema.safeParse({
          name: values.name ?? '',
          texts,
          link: values.link
            ? { label: Object.keys(label).length ? label : { [defaultLang]: 'Tirek' }, url: values.link }
            : null,
          filter: { langs: list(values.lang), channels: list(values.channel), sources: list(values.source) },
          sendAt,
        });
        if (!parsed.success)
          fail(parsed.error.issues.map((i) => `${i.path.join('.') || 'campaign'}: ${i.message}`).join('\n'));
        const input = parsed.data as Parameters<typeof broadcasts.createCampaign>[0];
        const c = await broadcasts.createCampaign(input, null, Date.now());
        out(`campaign ${c.id} (draft)`);
        showPreviews(c);
        out(`recipients now: ${await broadcasts.countAudience(c.filter, rules())}`);
        out(`send it: npm run broadcast -- start ${c.id}`);
        return;
      }
      case 'show': {
        const c = await get();
        out(`${c.id} ${c.name}: ${c.status}`);
        showPreviews(c);
        if (c.status === 'draft' || c.status === 'scheduled')
          out(`recipients now: ${await broadcasts.countAudience(c.filter, rules())}`);
        const r = await broadcasts.report(c.id);
        if (r && r.total > 0) out(JSON.stringify(r.counts));
        return;
      }
      case 'start': {
        const c = await get();
        if (c.status !== 'draft') fail(`campaign ${c.id} is ${c.status}, not a draft`);
        const unsafe = LANGS.filter((l) => c.texts[l] && !preview(c, l, defaultLang, translator).neutral);
        if (unsafe.length)
          fail(
            `the first line is not neutral in: ${unsafe.join(', ')} (see npm run broadcast -- show ${c.id})`,
          );
        const n = await broadcasts.countAudience(c.filter, rules());
        if (n === 0) fail('nobody would receive this campaign');
        out(`${c.name}: ${n} recipients${c.sendAt ? `, from ${new Date(c.sendAt).toISOString()}` : ''}`);
        if (!values.yes) {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          const answer = await rl.question(`Send to ${n} people? Type ${n} to confirm: `);
          rl.close();
          if (answer.trim() !== String(n)) fail('not confirmed; nothing sent');
        }
        out(`campaign ${c.id}: ${await broadcasts.confirm(c.id, rules())}`);
        return;
      }
      case 'pause':
      case 'resume':
      case 'cancel': {
        const c = await get();
        if (!(await broadcasts.setStatus(c.id, command, Date.now())))
          fail(`a ${c.status} campaign cannot ${command}`);
        out(`campaign ${c.id}: ${(await broadcasts.getCampaign(c.id))?.status}`);
        return;
      }
      case 'watch': {
        const c = await get();
        const bar = new cliProgress.SingleBar(
          {
            format:
              ' {bar} {percentage}% | sent {sent} · failed {failed} · blocked {blocked} · unknown {unknown} · left {remaining} | {rate}/s | ~{eta_formatted}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        let started = false;
        for (;;) {
          const r = await broadcasts.report(c.id);
          if (!r) break;
          const rate = (await broadcasts.sentSince(c.id, Date.now() - 10_000)) / 10;
          const payload = { ...r.counts, remaining: r.remaining, rate: rate.toFixed(1) };
          if (!started && r.total > 0) {
            bar.start(r.total, r.total - r.remaining, payload);
            started = true;
          } else if (started) bar.update(r.total - r.remaining, payload);
          if (['done', 'cancelled'].includes(r.campaign.status)) {
            if (started) bar.stop();
            out(`${r.campaign.status}: ${JSON.stringify(r.counts)}`);
            return;
          }
          await new Promise((res) => setTimeout(res, 1000));
        }
        return;
      }
      default:
        fail(`unknown command ${command}\n\n${HELP}`);
    }
  } finally {
    await store.close();
  }
}

await main();
