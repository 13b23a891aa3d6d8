/**
 * The engine on a real SQLite file with the real flows and locales, delivering through a
 * RecordingAdapter. `reopen()` simulates a process restart on the same file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowDefinition, FlowId } from '../../flows/contract.js';
import { flows } from '../../flows/index.js';
import { OutboxDispatcher } from '../../src/core/dispatcher.js';
import { createDutySchedule, type DutySchedule } from '../../src/core/duty.js';
import { Engine } from '../../src/core/engine.js';
import { createLocalNotifier } from '../../src/core/local-notifier.js';
import type { Notifier, Store } from '../../src/core/ports.js';
import type { Channel, InboundMessage, Lang } from '../../src/core/types.js';
import { createTranslator, type Translator } from '../../src/i18n/translator.js';
import { createLogger } from '../../src/logger.js';
import { type Cipher, createCipher } from '../../src/privacy/cipher.js';
import { openStore } from '../../src/store/index.js';
import { RecordingAdapter } from './recording-adapter.js';

export const alwaysOnDuty: DutySchedule = createDutySchedule({
  hours: { from: '00:00', to: '24:00' },
  days: { from: 1, to: 7 },
  timeZone: 'Asia/Almaty',
});

let sharedTranslator: Translator | undefined;
export const translator = () => {
  sharedTranslator ??= createTranslator();
  return sharedTranslator;
};

export interface EngineHarnessOptions {
  dbPath?: string;
  /** PostgreSQL instead of the SQLite file (see test/helpers/backends.ts). */
  databaseUrl?: string;
  key?: Buffer;
  duty?: DutySchedule;
  flows?: Record<FlowId, FlowDefinition>;
  clock?: () => number;
  /** Outbox claim lease (PostgreSQL: how long until a dead instance's claims are released). */
  claimLeaseMs?: number;
  /** Per-person flood limit; tests type faster than people, so it is high unless a test sets it. */
  floodMaxPerMinute?: number;
  /** Channels that receive campaign broadcasts (the subscribe flow is offered there); default telegram only. */
  broadcastChannels?: Channel[];
}

export class EngineHarness {
  readonly dbPath: string;
  readonly key: Buffer;
  readonly cipher: Cipher;
  readonly store: Store;
  readonly notifier: Notifier;
  readonly engine: Engine;
  readonly adapter = new RecordingAdapter('webchat');
  readonly dispatcher: OutboxDispatcher;
  readonly options: EngineHarnessOptions;
  #externalId = 0;
  /** Distinct per instance, so a restarted harness does not repeat earlier message ids. */
  readonly #idPrefix = randomBytes(4).toString('hex');

  /** Opens the store (SQLite file, or PostgreSQL with `databaseUrl`) and wires the engine. */
  static async open(options: EngineHarnessOptions = {}): Promise<EngineHarness> {
    const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), 'tirek-engine-')), 'tirek.db');
    const key = options.key ?? randomBytes(32);
    const cipher = createCipher(key);
    const { store, notifier } = await openStore(
      { DATABASE_PATH: dbPath, DATABASE_URL: options.databaseUrl },
      cipher,
      () => {},
    );
    return new EngineHarness({ ...options, dbPath, key }, cipher, store, notifier);
  }

  private constructor(
    options: EngineHarnessOptions & { dbPath: string; key: Buffer },
    cipher: Cipher,
    store: Store,
    notifier: Notifier = createLocalNotifier(),
  ) {
    this.options = options;
    this.dbPath = options.dbPath;
    this.key = options.key;
    this.cipher = cipher;
    this.store = store;
    this.notifier = notifier;
    const logger = createLogger('silent');
    this.dispatcher = new OutboxDispatcher({
      store: this.store,
      adapters: new Map([['webchat', this.adapter]]),
      logger,
      backoffMs: () => 10,
      pollMs: 20,
      ...(options.claimLeaseMs === undefined ? {} : { claimLeaseMs: options.claimLeaseMs }),
    });
    this.engine = new Engine({
      store: this.store,
      translator: translator(),
      flows: options.flows ?? flows,
      duty: options.duty ?? alwaysOnDuty,
      pseudonym: this.cipher.pseudonym,
      logger,
      clock: options.clock,
      textParams: { retentionDays: 30, broadcastHours: '10:00–19:00', broadcastMaxPerMonth: 4 },
      broadcastChannels: options.broadcastChannels ?? ['telegram'],
      onOutbox: () => this.dispatcher.wake(),
      delivery: this.dispatcher,
      notifier: this.notifier,
      floodMaxPerMinute: options.floodMaxPerMinute ?? 100,
    });
  }

  /** A fresh process on the same database and key (nothing carried over in memory). */
  reopen(options: Partial<EngineHarnessOptions> = {}): Promise<EngineHarness> {
    return EngineHarness.open({ ...this.options, ...options, dbPath: this.dbPath, key: this.key });
  }

  /** Builds an inbound message from `userId` with a fresh external id. */
  message(
    userId: string,
    body: DistributiveOmit<InboundMessage, 'channel' | 'userId' | 'externalId'>,
  ): InboundMessage {
    return {
      channel: 'webchat',
      userId,
      externalId: `${this.#idPrefix}-${++this.#externalId}`,
      ...body,
    } as InboundMessage;
  }

  text(userId: string, text: string) {
    return this.engine.receive(this.message(userId, { kind: 'text', text }));
  }

  choose(userId: string, choice: string) {
    return this.engine.receive(this.message(userId, { kind: 'choice', choice }));
  }

  command(userId: string, command: Extract<InboundMessage, { kind: 'command' }>['command'], arg?: string) {
    return this.engine.receive(this.message(userId, { kind: 'command', command, arg }));
  }

  t(lang: Lang, key: string, params?: Record<string, unknown>): string {
    return translator().t(lang, key, params);
  }

  /** Everything sent so far to the user, after delivering the outbox. */
  async delivered(userId: string): Promise<string[]> {
    await this.dispatcher.start();
    await this.dispatcher.drain();
    return this.adapter.textsTo(userId);
  }

  lastSent(userId: string) {
    const mine = this.adapter.sent.filter((s) => s.address === userId && s.message.type === 'message');
    return mine.at(-1)?.message;
  }

  async close(): Promise<void> {
    await this.engine.idle();
    await this.dispatcher.stop();
    await this.notifier.close();
    await this.store.close();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
