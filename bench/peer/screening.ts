/**
 * The peer: Tirek's first steps (language, "safe to talk?", who needs help, privacy, menu) and
 * the legal topics loop (a topic, then back), written with grammY's conversations plugin in its
 * documented way — `conversations()` middleware, `createConversation`, `conversation.waitFor` —
 * with its state in SQLite through a small StorageAdapter over better-sqlite3 (WAL,
 * synchronous=NORMAL, like Tirek). Same texts and buttons as Tirek (Tirek's own locale files).
 *
 * Run only by `npm run bench` (bench/peer.ts); its dependencies live in bench/peer/package.json.
 */
import {
  type Conversation,
  type ConversationData,
  type ConversationFlavor,
  conversations,
  createConversation,
  type VersionedState,
  type VersionedStateStorage,
} from '@grammyjs/conversations';
import Database from 'better-sqlite3';
import { Bot, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';

type Ctx = ConversationFlavor<Context>;
type Conv = Conversation<Ctx, Context>;
type T = (key: string) => string;

interface Choice {
  id: string;
  label: string;
}

const TOPICS = ['dv', 'report', 'order', 'court', 'evidence', 'family', 'children', 'free_help'];

/** The plugin's state per chat in one SQLite table (JSON), read and written on every update. */
export function sqliteStorage(path: string): VersionedStateStorage<string, ConversationData> & {
  close(): void;
} {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS conversations (key TEXT PRIMARY KEY, state TEXT NOT NULL)');
  const read = db.prepare('SELECT state FROM conversations WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO conversations (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state',
  );
  const remove = db.prepare('DELETE FROM conversations WHERE key = ?');
  return {
    read: (key) => {
      const row = read.get(key) as { state: string } | undefined;
      return row ? (JSON.parse(row.state) as VersionedState<ConversationData>) : undefined;
    },
    write: (key, state) => void write.run(key, JSON.stringify(state)),
    delete: (key) => void remove.run(key),
    close: () => db.close(),
  };
}

export interface PeerBot {
  bot: Bot<Ctx>;
  /** Bytes of plugin state stored for a chat (it grows with every step). */
  stateBytes(chatId: number): number;
  close(): void;
}

export function createPeerBot(options: {
  token: string;
  apiRoot: string;
  botInfo: UserFromGetMe;
  dbPath: string;
  t: T;
}): PeerBot {
  const { t } = options;
  const storage = sqliteStorage(options.dbPath);
  const bot = new Bot<Ctx>(options.token, { botInfo: options.botInfo, client: { apiRoot: options.apiRoot } });

  async function screening(conversation: Conv, ctx: Context) {
    const keyboard = (choices: Choice[]) => ({
      inline_keyboard: choices.map((c) => [{ text: t(c.label), callback_data: c.id }]),
    });
    const ask = (key: string, choices: Choice[]) => ctx.reply(t(key), { reply_markup: keyboard(choices) });
    const answer = async () => {
      const pressed = await conversation.waitFor('callback_query:data');
      await pressed.answerCallbackQuery();
      return pressed.callbackQuery.data;
    };
    await ask('intake:language.text', [
      { id: 'kk', label: 'language:choices.kk' },
      { id: 'ru', label: 'language:choices.ru' },
      { id: 'en', label: 'language:choices.en' },
    ]);
    await answer();
    await ask('intake:safety.text', [
      { id: 'yes', label: 'intake:safety.yes' },
      { id: 'no', label: 'intake:safety.no' },
    ]);
    await answer();
    await ask('intake:who.text', [
      { id: 'me', label: 'intake:who.me' },
      { id: 'other', label: 'intake:who.other' },
    ]);
    await answer();
    await ctx.reply(t('intake:privacy.text'));
    await ask('menu:main.text', [
      { id: 'screening', label: 'menu:main.screening' },
      { id: 'legal', label: 'menu:main.legal' },
    ]);
    await answer();
    for (;;) {
      await ask(
        'legal:topics.text',
        TOPICS.map((id) => ({ id, label: `legal:topics.${id}` })),
      );
      const topic = await answer();
      await ask(`legal:${TOPICS.includes(topic) ? topic : 'dv'}.text`, [
        { id: 'back', label: 'common:choices.back' },
      ]);
      await answer();
    }
  }

  bot.use(conversations({ storage: { type: 'key', adapter: storage } }));
  bot.use(createConversation(screening, 'screening'));
  bot.command('start', (ctx) => ctx.conversation.enter('screening'));

  const stateOf = new Database(options.dbPath, { readonly: true });
  const size = stateOf.prepare('SELECT length(state) AS n FROM conversations WHERE key LIKE ?');
  return {
    bot,
    stateBytes: (chatId) => Number((size.get(`%${chatId}%`) as { n: number } | undefined)?.n ?? 0),
    close: () => {
      stateOf.close();
      storage.close();
    },
  };
}
