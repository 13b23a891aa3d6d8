/**
 * Safety on WhatsApp, through the real app and the fake whatsapp-web.js client: erase asks once
 * (a numbered yes / no), the quick exit as a numbered choice and in every footer, and what each
 * does to the chat (the bot's messages deleted for everyone, one line on what is left).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createCipher } from '../../../src/privacy/cipher.js';
import { countRows } from '../../helpers/count-rows.js';
import { createWhatsappHarness, parseWhatsappText } from '../../helpers/whatsapp-harness.js';

const i18n = createTranslator();
const t = (key: string, params?: Record<string, unknown>) =>
  i18n.t('ru', key, { retentionDays: 30, ...params });
const harness = createWhatsappHarness();
beforeAll(() => harness.start());
afterAll(() => harness.stop());

/** The number shown before `label` in the last numbered list sent to the person. */
function numberOf(chatId: string, label: string): string {
  const last = harness.client
    .sentTo(chatId)
    .map((m) => parseWhatsappText(m.text))
    .filter((r) => r.choices.length > 0)
    .at(-1);
  const i = last?.choices.indexOf(label) ?? -1;
  if (!last || i < 0) throw new Error(`no "${label}" in the last list`);
  return last.numbers[i] as string;
}

async function toMenu() {
  const person = harness.person();
  await person.sendText('Привет');
  await person.choose(t('language:choices.ru'));
  await person.choose(t('intake:safety.yes'));
  await person.choose(t('intake:who.me'));
  await person.replies();
  return person;
}

const contacts = () => countRows({ dbPath: harness.app.dbPath, env: harness.app.env }, 'contacts');

describe('WhatsApp: erase asks once', () => {
  it('should ask with numbered yes / no; "no" keeps everything, "yes" erases, deletes and says what is left', async () => {
    const person = await toMenu();
    const before = await contacts();
    await person.choose(t('common:choices.erase')); // the menu entry, by its number
    const [question] = await person.replies();
    expect(question?.text).toBe(t('erase:confirm'));
    expect(question?.choices).toEqual([t('erase:yes'), t('erase:no')]);

    await person.sendText(numberOf(person.chatId, t('erase:no')));
    const kept = await person.replies();
    expect(kept[0]?.text).toBe(t('erase:kept'));
    expect(kept.at(-1)?.text).toBe(t('menu:main.text'));
    expect(await contacts()).toBe(before);

    await person.sendText('удалить'); // the erase word
    expect((await person.replies())[0]?.text).toBe(t('erase:confirm'));
    const shown = harness.client.sentTo(person.chatId);
    await person.sendText(numberOf(person.chatId, t('erase:yes')));
    await person.replies();
    expect(await contacts()).toBe(before - 1);
    // the bot's messages are deleted for everyone; the last line says how to delete the chat
    expect(shown.every((m) => m.deleted)).toBe(true);
    const left = harness.client.sentTo(person.chatId).filter((m) => !m.deleted);
    expect(left.map((m) => m.text)).toEqual([t('erase:done_whatsapp')]);
  });
});

describe('WhatsApp: quick exit everywhere', () => {
  it('should offer the quick exit as a numbered choice on "not safe now", and run it on that number', async () => {
    const person = harness.person();
    await person.sendText('Привет');
    await person.choose(t('language:choices.ru'));
    await person.choose(t('intake:safety.no'));
    const notSafe = (await person.replies()).at(-1);
    expect(notSafe?.text).toBe(t('intake:not_safe.text'));
    expect(notSafe?.choices).toContain(t('common:choices.exit'));
    const shown = harness.client.sentTo(person.chatId);
    await person.sendText(numberOf(person.chatId, t('common:choices.exit')));
    await person.replies();
    expect(shown.every((m) => m.deleted)).toBe(true);
    expect(
      harness.client
        .sentTo(person.chatId)
        .filter((m) => !m.deleted)
        .map((m) => m.text),
    ).toEqual([t('whatsapp:clear_hint'), t('common:exit')]);
  });

  it('should say in every footer how to leave, and run the quick exit on the word shown there', async () => {
    const person = await toMenu();
    await person.choose(t('menu:main.legal'));
    await person.replies();
    const last = harness.client.sentTo(person.chatId).at(-1)?.text ?? '';
    const hint = t('whatsapp:global.exit', { label: t('common:choices.exit') });
    expect(last.split('\n').at(-1)).toContain(hint);
    const word = /«?([A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]{3,})»?/u.exec(hint)?.[1];
    expect(word).toBe('ВЫХОД');
    await person.sendText(word as string);
    await person.replies();
    expect(
      harness.client
        .sentTo(person.chatId)
        .filter((m) => !m.deleted)
        .map((m) => m.text),
    ).toEqual([t('whatsapp:clear_hint'), t('common:exit')]);
  });

  it('should offer the quick exit while queued for a counsellor and on a counsellor’s message', async () => {
    const person = await toMenu();
    await person.choose(t('menu:main.counsellor'));
    const [queued] = await person.replies();
    expect(queued?.choices).toEqual([t('handoff:queued.cancel'), t('common:choices.exit')]);
    const { engine, store } = harness.app.app;
    const cipher = createCipher(Buffer.from(harness.app.env.DATA_KEY as string, 'base64'));
    const mine = await store.getConversation(cipher.pseudonym('whatsapp', person.chatId));
    await engine.counsellor(mine?.id ?? -1, 1, { type: 'take' });
    await engine.counsellor(mine?.id ?? -1, 1, { type: 'reply', text: 'Я здесь.' });
    const replies = await person.replies();
    const hint = t('whatsapp:global.exit', { label: t('common:choices.exit') });
    expect(replies).toHaveLength(2); // joined, the counsellor's words
    for (const r of replies) expect(r.text).toContain(hint);
  });
});

describe('WhatsApp: SOS in a caption, in the language of the word', () => {
  it.each([
    ['kk', 'көмектесіңіз', 'image'],
    ['ru', 'помогите', 'video'],
    ['en', 'help', 'document'],
  ] as const)(
    'should answer a first %s caption «%s» on an %s with the emergency numbers in that language',
    async (lang, word, type) => {
      const person = harness.person();
      await harness.client.receive({ from: person.chatId, type, body: word });
      const [first] = await person.replies();
      expect(first?.text.startsWith(i18n.t(lang, 'common:sos.text'))).toBe(true);
    },
  );
});
