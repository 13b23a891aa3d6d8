/**
 * The engine: one path for every messenger.
 *
 *   adapter -> receive(inbound)
 *     dedupe (channel, external id) · one message at a time per conversation
 *     global commands first: SOS, menu, language, quick exit, erase, stop
 *     with a counsellor? store only (the console shows it) · else restore the flow actor and send the event
 *     ONE transaction: snapshot + message log + outbox rows   -> the dispatcher delivers them
 */
import type { AnyStateMachine } from 'xstate';
import type {
  FlowDefinition,
  FlowEvent,
  FlowId,
  FlowInput,
  FlowOutput,
  FlowPlace,
} from '../../flows/contract.js';
import type { SayParams } from '../../flows/effects.js';
import type { Translator } from '../i18n/translator.js';
import type { DeliverySlot } from './dispatcher.js';
import type { DutySchedule } from './duty.js';
import { CounsellorActionError, SnapshotError } from './errors.js';
import { currentPrompt, FlowRunner, type RunningFlow } from './flow-runner.js';
import { createInputMatcher, type InputMatcher } from './input-matcher.js';
import { KeyedSerial } from './keyed-serial.js';
import type { Consent, ContactRecord, ConversationRecord, Notifier, Store, StoreTx } from './ports.js';
import { createRenderer, type PromptValues, type Render, type Reply } from './renderer.js';
import {
  type Channel,
  DEFAULT_LANG,
  type GlobalCommand,
  type InboundMessage,
  isLang,
  type Lang,
  type OutboundMessage,
  PERSON_COMMANDS,
} from './types.js';

/** Longest text kept from one inbound message; longer ones are cut and the person is told. */
export const MAX_INBOUND_CHARS = 4000;
/** Telegram lets a bot delete messages in a private chat for 48 hours. */
export const QUICK_EXIT_WINDOW_MS = 48 * 3_600_000;
/** Flow hops in one turn (a final state starting the next flow); a guard against loops. */
const MAX_FLOW_HOPS = 5;
/** Campaign tags from deep links: short and harmless, never personal. */
const SOURCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Default per-person limit on incoming messages per minute (FLOOD_MAX_PER_MINUTE). */
export const DEFAULT_FLOOD_MAX_PER_MINUTE = 20;
/** The window of the flood limit. */
export const FLOOD_WINDOW_MS = 60_000;
/**
 * A person who wrote within this time is taken to hold the phone; a counsellor's message to
 * someone who has not gets a neutral first line (it may show on a lock screen).
 */
export const PERSON_PRESENT_MS = 2 * 60_000;
/** `/start link-CODE`: an admin links their own chat for campaign test sends (never a source tag). */
export const ADMIN_LINK_PREFIX = 'link-';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineDeps {
  store: Store;
  translator: Translator;
  flows: Record<FlowId, FlowDefinition>;
  duty: DutySchedule;
  /** Keyed hash for pseudonymous ids (src/privacy/cipher.ts). */
  pseudonym: (...parts: string[]) => string;
  logger: EngineLogger;
  clock?: () => number;
  /** Values every text may use, e.g. `{{retentionDays}}` in the privacy notice. */
  textParams?: Record<string, string | number>;
  /** Called after a turn committed outbox rows (wakes the dispatcher). */
  onOutbox?: () => void;
  /**
   * The local dispatcher's slots: a person's turn claims its reply in its own transaction when one
   * is free and hands it over after the COMMIT (no claim transaction per message).
   */
  delivery?: { reserve(channel: Channel): DeliverySlot | undefined };
  /** Tells live views on every instance (web chat streams, the console) that something changed. */
  notifier?: Notifier;
  /** Incoming messages per person per minute that get an answer (SOS and quick exit always do). */
  floodMaxPerMinute?: number;
  /** Channels that receive campaign broadcasts: the subscribe flow is offered only there. */
  broadcastChannels?: readonly Channel[];
  /** Someone sent `/start link-CODE` (an admin linking their chat); called after the turn committed. */
  onAdminLink?: (code: string, contactId: string) => Promise<void>;
}

/** What a counsellor does to a conversation from the console. */
export type CounsellorAction =
  | { type: 'take' }
  | { type: 'reply'; text: string }
  | { type: 'transfer'; to: number }
  | { type: 'handBack' }
  | { type: 'close'; outcome: string };

export interface CounsellorResult {
  conversation: ConversationRecord;
  /** Logged id of the counsellor's reply (its delivery status is read through it). */
  messageId?: number;
}

export interface ReceiveResult {
  status: 'handled' | 'duplicate' | 'stored';
  outbox: number;
  /** Every row about the person was erased in this turn. */
  erased?: boolean;
}

/** What a person's turn tells `#handle` besides the result. */
type TurnResult = ReceiveResult & { direct?: boolean };

/** A write the flow decided on; applied when the turn commits (flows stay synchronous and pure). */
type Effect =
  | { type: 'lang'; lang: Lang }
  | { type: 'source'; source: string }
  | { type: 'subscribed'; subscribed: boolean; consent?: Consent }
  | { type: 'enqueueHandoff' }
  | { type: 'cancelHandoff' };

/** Everything one inbound message changes; applied in one transaction. */
interface Turn {
  now: number;
  contact: ContactRecord;
  conversation: ConversationRecord;
  lang: Lang;
  replies: Reply[];
  /** Non-text outbox items (delete, clear); they go out before the replies. */
  actions: OutboundMessage[];
  flowContext: Record<string, unknown>;
  /** The conversation began with this message. */
  isNew: boolean;
  /** Set when the stored flow could not be restored and the conversation restarted at the menu. */
  restarted?: boolean;
  /** Writes decided during the turn, in order. */
  effects: Effect[];
  /** Quick exit: delete the person's recent messages (refs are read when the turn commits). */
  quickExit?: boolean;
  /** What the inbound message is logged as (encrypted); `sos`: flagged for the counsellor. */
  logged?: { text: string; platformRef?: string | undefined; sos?: boolean };
  /**
   * Counsellors can be reached now: the duty schedule says so, or someone is marked on duty.
   * Loaded before the flow decides (the flow's guard is synchronous).
   */
  counsellorsAvailable: boolean;
  /** A counsellor's own words to send as they are. */
  counsellorText?: { text: string; accountId: number; messageId?: number };
  /** The person said yes to the erase question: every row about them goes when the turn commits. */
  erase?: boolean;
  /** Where the person was when the erase question was asked (given to the erase flow). */
  resume?: FlowPlace | undefined;
  /** The person's messages in this conversation within the flood window, before this one. */
  recentInbound?: number;
  /**
   * A person's turn: delivery slots it reserved (handed a claimed row after the COMMIT, given back
   * by the caller whatever happens); `direct` once its first row went that way.
   */
  slots?: DeliverySlot[];
  direct?: boolean;
}

export class Engine {
  readonly #deps: EngineDeps;
  readonly #serial = new KeyedSerial();
  readonly #runner: FlowRunner;
  readonly #match: InputMatcher;
  readonly #renderer: Render;
  readonly #clock: () => number;
  /**
   * The turn whose flow is running. Only set while the flow decides, which is synchronous
   * (no await between set and clear), so interleaved turns never see each other's.
   */
  #turn: Turn | undefined;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
    this.#match = createInputMatcher(deps.translator);
    this.#renderer = createRenderer(deps);
    this.#runner = new FlowRunner(deps.flows, (machine) => this.#provideEffects(machine));
  }

  /** Handle one inbound message. Messages of one person are handled in order, others in parallel. */
  receive(inbound: InboundMessage): Promise<ReceiveResult> {
    const contactId = this.#deps.pseudonym(inbound.channel, inbound.userId);
    return this.#serial.run(contactId, () => this.#handle(contactId, inbound));
  }

  /**
   * A counsellor acts on a conversation (console). Same per-person order and lock as the person's
   * own messages, same outbox: a reply is delivered after the bot's earlier replies, never before.
   */
  async counsellor(
    conversationId: number,
    accountId: number,
    action: CounsellorAction,
  ): Promise<CounsellorResult> {
    const { store } = this.#deps;
    const found = await store.getConversationById(conversationId);
    if (!found) throw new CounsellorActionError('not_found', 'no such conversation');
    const contactId = found.contactId;
    const result = await this.#serial.run(contactId, () =>
      store.transaction(
        async (tx) => {
          const conversation = await tx.getConversationById(conversationId);
          const contact = await tx.getContact(contactId);
          if (!conversation || !contact) throw new CounsellorActionError('not_found', 'no such conversation');
          if (conversation.status === 'closed')
            throw new CounsellorActionError('closed', 'this conversation is closed');
          const owner = conversation.status === 'counsellor' ? conversation.assignee : null;
          if (action.type === 'take') {
            if (owner !== null && owner !== accountId)
              throw new CounsellorActionError('owned_by_other', 'another counsellor has this conversation');
          } else if (owner !== accountId) {
            throw new CounsellorActionError('not_owner', 'take the conversation over first');
          }
          const turn: Turn = {
            now: this.#clock(),
            contact,
            conversation,
            lang: conversation.lang ?? contact.lang ?? DEFAULT_LANG,
            replies: [],
            actions: [],
            flowContext: {},
            isNew: false,
            effects: [],
            counsellorsAvailable: true,
          };
          this.#turn = turn;
          try {
            this.#counsellorDecides(turn, accountId, action);
          } finally {
            this.#turn = undefined;
          }
          const outbox = await this.#commit(tx, turn);
          return { outbox, turn };
        },
        { lock: contactId },
      ),
    );
    if (result.outbox > 0) this.#announce(contactId);
    this.#deps.notifier?.publish('queue');
    return { conversation: result.turn.conversation, messageId: result.turn.counsellorText?.messageId };
  }

  #counsellorDecides(turn: Turn, accountId: number, action: CounsellorAction): void {
    const c = turn.conversation;
    switch (action.type) {
      case 'take':
        if (c.status === 'counsellor') return; // taking one's own conversation again changes nothing
        c.status = 'counsellor';
        c.assignee = accountId;
        turn.effects.push({ type: 'cancelHandoff' });
        turn.replies.push({ key: 'handoff:joined' });
        return;
      case 'reply':
        turn.counsellorText = { text: action.text, accountId };
        return;
      case 'transfer':
        c.assignee = action.to;
        return;
      case 'handBack':
        c.status = 'bot';
        c.assignee = null;
        turn.replies.push({ key: 'handoff:returned' });
        this.#startFlow(turn, 'menu');
        return;
      case 'close':
        // The case is kept (for the retention period); the person's next message opens a new one.
        c.status = 'closed';
        c.outcome = action.outcome;
        turn.effects.push({ type: 'cancelHandoff' });
        turn.replies.push({ key: 'handoff:closed' });
        this.#startFlow(turn, 'menu');
        return;
    }
  }

  /** People with a message in progress (the per-person queues; empty when idle). */
  get activeConversations(): number {
    return this.#serial.activeKeys;
  }

  /** Resolves when every message received so far has been handled. */
  idle(): Promise<void> {
    return this.#serial.idle();
  }

  /**
   * A person has waited too long in the queue: tell them once, kindly, with 111 / 150. The notice
   * is claimed in the same transaction as its outbox row, under the person's lock, so with several
   * instances exactly one sends it. Resolves true if this call sent it.
   *
   * `waitingSince`: the start of the wait that counts. Only a wait while counsellors were reachable
   * counts (the duty hours then and now, or someone on duty now): a person who left a request off
   * duty was told when counsellors are back, and is not told "nobody could take it" at night.
   */
  async notifyLongWait(conversationId: number, waitingSince?: number): Promise<boolean> {
    const { store } = this.#deps;
    const found = await store.getConversationById(conversationId);
    if (found?.status !== 'queued') return false;
    const contactId = found.contactId;
    const outbox = await this.#serial.run(contactId, () =>
      store.transaction(
        async (tx) => {
          const conversation = await tx.getConversationById(conversationId);
          const contact = await tx.getContact(contactId);
          if (!conversation || !contact || conversation.status !== 'queued') return 0;
          const now = this.#clock();
          const { duty } = this.#deps;
          const reachable =
            (duty.isOnDuty(now) && duty.isOnDuty(waitingSince ?? now)) || (await tx.anyCounsellorOnDuty());
          if (!reachable) return 0;
          if (!(await tx.claimLongWaitNotice(conversationId, now))) return 0;
          const turn: Turn = {
            now,
            contact,
            conversation,
            lang: conversation.lang ?? contact.lang ?? DEFAULT_LANG,
            replies: [{ key: 'handoff:long_wait' }],
            actions: [],
            flowContext: {},
            isNew: false,
            effects: [],
            counsellorsAvailable: true,
          };
          return this.#commit(tx, turn);
        },
        { lock: contactId },
      ),
    );
    if (outbox > 0) this.#announce(contactId);
    return outbox > 0;
  }

  /** The schedule says counsellors are on, or at least one has marked themselves on duty. */
  async #counsellorsAvailable(tx: StoreTx, now: number): Promise<boolean> {
    return this.#deps.duty.isOnDuty(now) || (await tx.anyCounsellorOnDuty());
  }

  async #handle(contactId: string, inbound: InboundMessage): Promise<ReceiveResult> {
    let result: TurnResult;
    try {
      result = await this.#turnTransaction(contactId, inbound);
    } catch (error) {
      // A bug must not leave a person without an answer: roll back the turn, keep their words,
      // and tell them kindly, with the emergency numbers.
      this.#deps.logger.error(
        { err: error, channel: inbound.channel, kind: inbound.kind },
        'turn failed; sending the fallback reply',
      );
      result = await this.#fallbackTransaction(contactId, inbound);
    }
    if (result.erased) {
      // no readable copy of the erased rows left in the database files
      await this.#deps.store
        .scrub()
        .catch((err: unknown) => this.#deps.logger.warn({ err }, 'could not scrub after an erase'));
    }
    // a reply claimed in the turn is on its way; the rows behind it follow its delivery
    if (result.outbox > 0) this.#announce(contactId, !result.direct);
    const link = adminLinkCode(inbound);
    if (link && result.status !== 'duplicate' && this.#deps.onAdminLink) {
      await this.#deps
        .onAdminLink(link, contactId)
        .catch((err: unknown) => this.#deps.logger.warn({ err }, 'admin chat link failed'));
    }
    return result;
  }

  /** Wake the local dispatcher and tell every instance's live views. */
  #announce(contactId: string, wakeDispatcher = true): void {
    if (wakeDispatcher) this.#deps.onOutbox?.();
    this.#deps.notifier?.publish(`outbox:${contactId}`);
  }

  #fallbackTransaction(contactId: string, inbound: InboundMessage): Promise<ReceiveResult> {
    const { store, translator } = this.#deps;
    return store.transaction(
      async (tx): Promise<ReceiveResult> => {
        const now = inbound.receivedAt ?? this.#clock();
        if (!(await tx.markInboundSeen(this.#seenKey(inbound), now))) {
          return { status: 'duplicate', outbox: 0 };
        }
        const contact = await tx.upsertContact({
          id: contactId,
          channel: inbound.channel,
          address: inbound.userId,
          now,
        });
        const conversation = await tx.getConversation(contactId);
        if (conversation && inbound.kind === 'text') {
          await tx.appendMessage({
            conversationId: conversation.id,
            direction: 'in',
            text: inbound.text.slice(0, MAX_INBOUND_CHARS),
            now,
          });
        }
        const hint = inbound.languageHint?.slice(0, 2).toLowerCase();
        const lang = conversation?.lang ?? contact.lang ?? (isLang(hint) ? hint : DEFAULT_LANG);
        // One message whose first line is neutral (it may show on a lock screen), numbers included.
        await tx.enqueueOutbox({
          conversationId: conversation?.id ?? null,
          contactId,
          channel: inbound.channel,
          address: inbound.userId,
          message: {
            type: 'message',
            text: translator.t(lang, 'safety:error'),
            choices: [],
            globalChoices: [],
            lang,
          },
          now,
        });
        return { status: 'handled', outbox: 1 };
      },
      { lock: contactId },
    );
  }

  #seenKey(inbound: InboundMessage): string {
    return this.#deps.pseudonym(inbound.channel, 'inbound', inbound.userId, inbound.externalId);
  }

  async #turnTransaction(contactId: string, inbound: InboundMessage): Promise<TurnResult> {
    const slots: DeliverySlot[] = [];
    try {
      return await this.#personTurn(contactId, inbound, slots);
    } finally {
      // a slot handed its row after the COMMIT ignores this; one of a turn that failed comes back
      for (const slot of slots) slot.release();
    }
  }

  #personTurn(contactId: string, inbound: InboundMessage, slots: DeliverySlot[]): Promise<TurnResult> {
    return this.#deps.store.transaction(
      async (tx): Promise<TurnResult> => {
        const now = inbound.receivedAt ?? this.#clock();
        if (!(await tx.markInboundSeen(this.#seenKey(inbound), now)))
          return { status: 'duplicate', outbox: 0 };

        const contact = await tx.upsertContact({
          id: contactId,
          channel: inbound.channel,
          address: inbound.userId,
          now,
        });
        const hint = inbound.languageHint?.slice(0, 2).toLowerCase();
        let conversation = await tx.getConversation(contactId);
        const isNew = !conversation;
        if (!conversation) {
          // Only an explicit choice sets the language; the platform's hint just renders until then.
          conversation = await tx.createConversation(
            {
              contactId,
              channel: inbound.channel,
              lang: contact.lang,
              status: 'bot',
              // someone who has chosen a language before starts a new case at the menu
              flow: contact.lang ? 'menu' : 'intake',
              flowVersion: this.#runner.version(contact.lang ? 'menu' : 'intake'),
              snapshot: null,
              riskLevel: null,
              who: null,
            },
            now,
          );
        }
        const turn: Turn = {
          now,
          contact,
          conversation,
          lang: conversation.lang ?? (isLang(hint) ? hint : DEFAULT_LANG),
          replies: [],
          actions: [],
          flowContext: {},
          isNew,
          effects: [],
          recentInbound: inboundInWindow(conversation, now),
          counsellorsAvailable: await this.#counsellorsAvailable(tx, now),
          slots,
        };
        // Decide synchronously (flows are pure), then write everything in this transaction.
        this.#turn = turn;
        let outcome: 'handled' | 'stored' | 'erased';
        try {
          outcome = this.#dispatch(turn, inbound);
        } finally {
          this.#turn = undefined;
        }
        // A sentence that only mentions help ("can you help me with the papers") is answered as
        // usual, with one compact line of numbers first (a plea or an SOS word gets the full message).
        // While waiting for or talking to a counsellor the sentence is flagged for them; with a
        // counsellor (the bot is otherwise silent) the person also sees that it was saved.
        if (
          outcome !== 'erased' &&
          inbound.kind === 'text' &&
          this.#match.sosIntent(inbound.text) === 'sosMention'
        ) {
          turn.replies.unshift({ key: 'common:sos.compact' });
          if (turn.logged) turn.logged.sos = true;
          if (outcome === 'stored' && !turn.contact.blocked)
            turn.replies.push({ key: 'handoff:queued.saved' });
        }
        if (outcome === 'erased')
          return { status: 'handled', outbox: await this.#commitErased(tx, turn), erased: true };
        const outbox = await this.#commit(tx, turn);
        return { status: outcome, outbox, direct: turn.direct };
      },
      { lock: contactId },
    );
  }

  /** Decide what the message means and let the right part of the bot answer it. */
  #dispatch(turn: Turn, inbound: InboundMessage): 'handled' | 'stored' | 'erased' {
    turn.logged = {
      text: this.#describeInbound(turn, inbound),
      platformRef: inbound.platformRef ? JSON.stringify([inbound.platformRef]) : undefined,
    };

    // Order matters: SOS before anything (even in a flood); a flood is stored, not answered; a
    // counsellor's chat stays quiet; the current question gets first say over a choice or word;
    // other global commands come after it.
    const typedCommand =
      inbound.kind === 'text' ? this.#match.command(inbound.text, { sosMentions: false }) : undefined;
    const asked =
      inbound.kind === 'command'
        ? inbound.command
        : inbound.kind === 'choice'
          ? inbound.choice
          : typedCommand;
    // Blocked from the console (issue 11): the words are kept for the record; only SOS, the quick
    // exit and erasing one's own data are still answered.
    if (turn.contact.blocked && !STILL_ANSWERED_WHEN_BLOCKED.has(asked) && turn.conversation.flow !== 'erase')
      return 'stored';
    // A button press answers a question the bot asked (a quick person may press many in a minute).
    if (inbound.kind !== 'choice' && asked !== 'sos' && asked !== 'exit' && this.#flooded(turn))
      return 'stored';
    if (inbound.kind === 'command') return this.#runCommand(turn, inbound.command, inbound);
    if (typedCommand === 'sos' || (inbound.kind === 'choice' && inbound.choice === 'sos')) {
      return this.#runCommand(turn, 'sos', inbound);
    }
    // The quick exit works during a counsellor's chat too (its button is on every message there).
    if (turn.conversation.status === 'counsellor' && asked === 'exit')
      return this.#runCommand(turn, 'exit', inbound);
    if (turn.conversation.status === 'counsellor' && turn.conversation.flow !== 'erase') {
      // A counsellor has the chat: the bot stays silent; the console reads the message log.
      // (Only the erase question, asked during the chat, still takes its answer.)
      return 'stored';
    }
    if (inbound.kind === 'unsupported' && turn.conversation.status === 'queued') {
      // A photo or voice message while waiting is kept for the counsellor (logged as "[photo]").
      turn.replies.push({ key: 'handoff:queued.saved' });
      return 'handled';
    }
    if (inbound.kind === 'unsupported') {
      turn.replies.push({ key: 'common:unsupported' });
      this.#reprompt(turn);
      return 'handled';
    }

    let flow = this.#restoreOrRestart(turn);
    if (turn.restarted) {
      // The input was meant for a question that no longer exists: show where we are instead.
      this.#promptOf(turn, flow);
      return 'handled';
    }
    const choices = currentPrompt(flow.snapshot())?.choices ?? [];
    let event: FlowEvent | undefined;
    if (inbound.kind === 'choice' && choices.some((c) => c.id === inbound.choice)) {
      event = { type: `choice.${inbound.choice}` };
    } else if (inbound.kind === 'text') {
      if (inbound.text.length > MAX_INBOUND_CHARS) turn.replies.push({ key: 'common:too_long' });
      const choice = this.#match.choice(inbound.text, choices);
      if (choice) event = { type: `choice.${choice.id}` };
    }
    // A global command (menu, language, …) only when the current question did not claim the input.
    // The menu lists some commands as choices ("4 – Emergency numbers"): those run as commands.
    const claimed = event !== undefined && flow.snapshot().can(event);
    const chosen = event?.type.startsWith('choice.')
      ? asCommand(event.type.slice('choice.'.length))
      : undefined;
    const command = claimed
      ? undefined
      : (chosen ?? (inbound.kind === 'choice' ? asCommand(inbound.choice) : typedCommand));
    if (command) {
      flow.actor.stop();
      return this.#runCommand(turn, command, inbound);
    }
    if (!event && inbound.kind === 'text')
      event = { type: 'text', text: inbound.text.slice(0, MAX_INBOUND_CHARS) };
    if (event && flow.snapshot().can(event)) {
      const where = `${turn.conversation.flow}:${JSON.stringify(flow.snapshot().value)}`;
      const said = turn.replies.length;
      flow.actor.send(event);
      if (turn.erase) {
        flow.actor.stop();
        return 'erased';
      }
      const before = flow;
      flow = this.#afterEvent(turn, flow);
      if (turn.conversation.status === 'counsellor') {
        // the erase question was answered "no" during a counsellor's chat: back to the chat, no menu
        flow.actor.stop();
        return 'handled';
      }
      // A flow that answered in place (e.g. "saved for the counsellor") needs no repeated question;
      // one that went through another flow and came back (menu → subscribe → menu) does.
      const stayed =
        flow === before && where === `${turn.conversation.flow}:${JSON.stringify(flow.snapshot().value)}`;
      if (stayed && turn.replies.length > said) flow.actor.stop();
      else this.#promptOf(turn, flow);
      return 'handled';
    }
    // A newcomer's first "hello" is a greeting, not a wrong answer: just ask the first question.
    if (!turn.isNew)
      turn.replies.push({ key: inbound.kind === 'choice' ? 'common:stale_button' : 'common:unknown' });
    this.#promptOf(turn, flow);
    return 'handled';
  }

  #runCommand(turn: Turn, command: GlobalCommand, inbound: InboundMessage): 'handled' | 'stored' | 'erased' {
    switch (command) {
      case 'sos': {
        if (turn.logged) turn.logged.sos = true; // the console highlights it
        // Before a language is chosen, answer in the language of the word typed.
        if (!turn.conversation.lang && inbound.kind === 'text')
          turn.lang = this.#match.sosLang(inbound.text) ?? turn.lang;
        // Emergency numbers first, then where the person was (unless a counsellor has the chat).
        turn.replies.push({ key: 'common:sos.text' });
        if (turn.conversation.status !== 'counsellor' && !turn.contact.blocked) this.#reprompt(turn);
        return 'handled';
      }
      case 'start': {
        const arg = inbound.kind === 'command' ? inbound.arg : undefined;
        if (arg && SOURCE_PATTERN.test(arg) && !turn.contact.source && !adminLinkCode(inbound))
          turn.effects.push({ type: 'source', source: arg });
        if (turn.conversation.status === 'counsellor') return 'stored';
        // A newcomer starts with intake; someone who has chosen a language goes to the menu.
        this.#startFlow(turn, turn.conversation.lang ? 'menu' : 'intake');
        return 'handled';
      }
      case 'menu':
        if (turn.conversation.status === 'counsellor') return 'stored';
        this.#startFlow(turn, 'menu');
        return 'handled';
      case 'language':
        if (turn.conversation.status === 'counsellor') return 'stored';
        this.#startFlow(turn, 'language');
        return 'handled';
      case 'stop':
        turn.effects.push({ type: 'subscribed', subscribed: false });
        turn.replies.push({ key: 'common:stopped' });
        if (turn.conversation.status !== 'counsellor') this.#reprompt(turn);
        return 'handled';
      case 'exit': {
        // Quick exit: delete what the platform lets us delete, clear the web page, one neutral line.
        turn.quickExit = true;
        turn.replies.push({ key: 'common:exit' });
        if (turn.conversation.status !== 'counsellor') this.#resetTo(turn, 'menu');
        return 'handled';
      }
      case 'erase': {
        // Erase asks once (flows/erase.ts): only "yes" erases, anything else keeps everything and
        // goes back to where the person was (asked twice: still where they were before the first).
        const c = turn.conversation;
        const before =
          c.flow === 'erase'
            ? (c.snapshot as { context?: { resume?: FlowPlace } } | null)?.context?.resume
            : undefined;
        turn.resume =
          c.flow === 'erase'
            ? before
            : c.snapshot == null
              ? undefined
              : { flow: c.flow, flowVersion: c.flowVersion, snapshot: c.snapshot };
        this.#startFlow(turn, 'erase');
        turn.resume = undefined;
        return 'handled';
      }
    }
  }

  /**
   * Past the per-person limit the message is only stored; the first one over it gets one calm
   * line. Counted from the database, so it holds across instances.
   */
  #flooded(turn: Turn): boolean {
    const recent = turn.recentInbound ?? 0;
    if (recent < this.#floodMax) return false;
    if (recent === this.#floodMax) turn.replies.push({ key: 'safety:flood' });
    return true;
  }

  get #floodMax(): number {
    return this.#deps.floodMaxPerMinute ?? DEFAULT_FLOOD_MAX_PER_MINUTE;
  }

  /** Restore the conversation's flow; if it cannot be restored (the flow changed), restart at the menu. */
  #restoreOrRestart(turn: Turn): RunningFlow {
    const c = turn.conversation;
    if (c.snapshot == null) return this.#begin(turn, c.flow);
    try {
      const flow = this.#runner.restore(c.flow, c.flowVersion, c.snapshot, this.#input(turn));
      turn.flowContext = flow.snapshot().context ?? {};
      return flow;
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      this.#deps.logger.warn(
        { flow: c.flow, version: c.flowVersion, err: error.message },
        'restarting conversation',
      );
      turn.replies.push({ key: 'common:restarted' });
      turn.restarted = true;
      return this.#begin(turn, 'menu');
    }
  }

  /** Start `flow` fresh as the conversation's current flow. */
  #begin(turn: Turn, flowId: FlowId): RunningFlow {
    const flow = this.#runner.start(flowId, this.#input(turn));
    turn.conversation.flow = flowId;
    turn.conversation.flowVersion = this.#runner.version(flowId);
    return this.#afterEvent(turn, flow);
  }

  #startFlow(turn: Turn, flowId: FlowId): void {
    this.#promptOf(turn, this.#begin(turn, flowId));
  }

  /** Put the conversation at the start of `flowId` without saying anything (quick exit). */
  #resetTo(turn: Turn, flowId: FlowId): void {
    const flow = this.#runner.start(flowId, this.#input(turn));
    turn.conversation.flow = flowId;
    turn.conversation.flowVersion = this.#runner.version(flowId);
    this.#keep(turn, flow);
  }

  /** When a flow finished, start the one it names; keep the snapshot of where we stopped. */
  #afterEvent(turn: Turn, flow: RunningFlow): RunningFlow {
    let current = flow;
    for (let hop = 0; current.snapshot().status === 'done'; hop++) {
      const output = current.snapshot().output as FlowOutput | undefined;
      const next = output?.next ?? 'menu';
      // The console shows the screening answers after the flow moved on (kept encrypted).
      const answers = (current.snapshot().context as { answers?: Record<string, string> } | undefined)
        ?.answers;
      if (turn.conversation.flow === 'screening' && answers) turn.conversation.screening = answers;
      current.actor.stop();
      if (hop >= MAX_FLOW_HOPS) throw new Error(`flows loop through ${next}`);
      const back = output?.resume ? this.#resume(turn, output.resume) : undefined;
      if (back) {
        current = back;
        continue;
      }
      current = this.#runner.start(next, this.#input(turn));
      turn.conversation.flow = next;
      turn.conversation.flowVersion = this.#runner.version(next);
    }
    if (current.snapshot().status === 'error') {
      throw new SnapshotError(`flow ${turn.conversation.flow} failed`, current.snapshot().error);
    }
    this.#keep(turn, current);
    return current;
  }

  /** Back to where the person was (after "no" to the erase question); undefined if it is gone. */
  #resume(turn: Turn, place: FlowPlace): RunningFlow | undefined {
    try {
      const flow = this.#runner.restore(place.flow, place.flowVersion, place.snapshot, this.#input(turn));
      turn.conversation.flow = place.flow;
      turn.conversation.flowVersion = place.flowVersion;
      return flow;
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      return undefined; // the flow changed since: the menu instead
    }
  }

  #keep(turn: Turn, flow: RunningFlow): void {
    turn.conversation.snapshot = flow.actor.getPersistedSnapshot();
    turn.flowContext = flow.snapshot().context ?? {};
  }

  /** Re-show the current question (after SOS, stop, unreadable input). */
  #reprompt(turn: Turn): void {
    this.#promptOf(turn, this.#restoreOrRestart(turn));
  }

  #promptOf(turn: Turn, flow: RunningFlow): void {
    const prompt = currentPrompt(flow.snapshot());
    if (prompt) turn.replies.push({ key: prompt.key, prompt });
    flow.actor.stop();
  }

  #input(turn: Turn): FlowInput {
    return {
      lang: turn.lang,
      riskLevel: turn.conversation.riskLevel,
      who: turn.conversation.who,
      ...(turn.resume ? { resume: turn.resume } : {}),
    };
  }

  /** The engine's implementations of the flows' named effects. They act on the current turn. */
  #provideEffects(machine: AnyStateMachine): AnyStateMachine {
    const turn = () => {
      if (!this.#turn) throw new Error('flow effect outside a turn');
      return this.#turn;
    };
    return machine.provide({
      actions: {
        say: (_: unknown, params: SayParams) =>
          void turn().replies.push({ key: params.key, values: params.values }),
        setLanguage: (_: unknown, params: { lang: Lang }) => {
          const t = turn();
          t.lang = params.lang;
          t.conversation.lang = params.lang;
          t.effects.push({ type: 'lang', lang: params.lang });
        },
        setWho: (_: unknown, params: { who: ConversationRecord['who'] }) => {
          turn().conversation.who = params.who;
        },
        recordRisk: (_: unknown, params: { level: ConversationRecord['riskLevel'] }) => {
          turn().conversation.riskLevel = params.level;
        },
        showEmergency: () => void turn().replies.push({ key: 'common:sos.text' }),
        requestCounsellor: (_: unknown, params?: { later?: boolean }) => {
          const t = turn();
          t.effects.push({ type: 'enqueueHandoff' });
          if (t.conversation.status !== 'bot') return;
          t.conversation.status = 'queued';
          // Honest about the web chat: a reply reaches the person only while the page is open
          // (a request left for later says so in its own line, safety:later_webchat).
          if (t.conversation.channel === 'webchat' && !params?.later)
            t.replies.push({ key: 'handoff:webchat_open' });
        },
        cancelCounsellor: () => {
          const t = turn();
          t.effects.push({ type: 'cancelHandoff' });
          if (t.conversation.status === 'queued') t.conversation.status = 'bot';
        },
        eraseEverything: () => {
          turn().erase = true;
        },
        subscribe: () => {
          const t = turn();
          const consent = { lang: t.lang, channel: t.conversation.channel, now: t.now };
          t.effects.push({ type: 'subscribed', subscribed: true, consent });
        },
      },
      guards: {
        counsellorsOnDuty: () => turn().counsellorsAvailable,
        canSubscribe: () => (this.#deps.broadcastChannels ?? []).includes(turn().conversation.channel),
      },
    } as never);
  }

  /** What goes into the (encrypted) message log for an inbound message. */
  #describeInbound(turn: Turn, inbound: InboundMessage): string {
    switch (inbound.kind) {
      case 'text':
        return inbound.text.slice(0, MAX_INBOUND_CHARS);
      case 'choice': {
        const c = turn.conversation;
        let label = inbound.choice;
        if (c.snapshot != null) {
          try {
            const prompt = this.#runner.promptAt(c.flow, c.flowVersion, c.snapshot, this.#input(turn));
            const choice = prompt?.choices?.find((x) => x.id === inbound.choice);
            if (choice) label = this.#deps.translator.t(turn.lang, choice.label);
          } catch {
            // a stale snapshot is handled by the flow path; the id is enough for the log
          }
        }
        // the always-present buttons (SOS, menu, quick exit) are not among the question's choices
        const global = `common:choices.${inbound.choice}`;
        if (label === inbound.choice && this.#deps.translator.has(global, turn.lang))
          label = this.#deps.translator.t(turn.lang, global);
        return `[${label}]`;
      }
      case 'command':
        return `/${inbound.command}`;
      case 'unsupported':
        return `[${inbound.what}]`;
    }
  }

  /** Apply the turn's effects, then write snapshot, log and outbox in the open transaction. */
  async #commit(tx: StoreTx, turn: Turn): Promise<number> {
    const c = turn.conversation;
    for (const effect of turn.effects) {
      switch (effect.type) {
        case 'lang':
          await tx.setContactLang(turn.contact.id, effect.lang);
          break;
        case 'source':
          await tx.setContactSource(turn.contact.id, effect.source);
          break;
        case 'subscribed':
          await tx.setContactSubscribed(turn.contact.id, effect.subscribed, effect.consent);
          break;
        case 'enqueueHandoff':
          await tx.enqueueHandoff(c.id, c.riskLevel, turn.now);
          // consoles of on-duty counsellors raise an alert (the topic holds no personal data)
          if (c.riskLevel === 'immediate' || c.riskLevel === 'high')
            tx.afterCommit(() => this.#deps.notifier?.publish(`alert:${c.riskLevel}`));
          break;
        case 'cancelHandoff':
          await tx.cancelHandoff(c.id);
          break;
      }
    }
    if (turn.logged) {
      c.inboundWindow = countInbound(c, turn.now);
      await tx.appendMessage({
        conversationId: c.id,
        direction: 'in',
        text: turn.logged.text,
        platformRef: turn.logged.platformRef,
        sos: turn.logged.sos,
        now: turn.now,
      });
    }
    if (turn.quickExit) {
      // Quick exit: delete what the platform lets us delete, clear the web page, one neutral line.
      const refs = await tx.platformRefsSince(turn.contact.id, turn.now - QUICK_EXIT_WINDOW_MS);
      if (refs.length > 0) turn.actions.push({ type: 'delete', refs });
      turn.actions.push({ type: 'clear', lang: turn.lang });
    }
    turn.conversation = await tx.saveConversation(c, turn.now);
    let count = 0;
    const enqueue = async (message: OutboundMessage, text?: string) => {
      const messageId =
        text === undefined
          ? undefined
          : await tx.appendMessage({ conversationId: c.id, direction: 'out', text, now: turn.now });
      const row = {
        conversationId: c.id,
        contactId: turn.contact.id,
        channel: c.channel,
        message,
        messageId,
      };
      // A person's first reply goes straight to a free delivery slot when it is their head.
      const slot = count === 0 && turn.slots ? this.#deps.delivery?.reserve(c.channel) : undefined;
      if (slot) {
        turn.slots?.push(slot);
        const claimed = await tx.enqueueClaimed({ ...row, now: turn.now }, turn.contact.address);
        if (claimed) {
          turn.direct = true;
          tx.afterCommit(() => slot.deliver(claimed));
        }
      } else {
        await tx.enqueueOutbox({ ...row, now: turn.now });
      }
      count++;
    };
    for (const action of turn.actions) await enqueue(action);
    if (turn.counsellorText) {
      const { text, accountId } = turn.counsellorText;
      const messageId = await tx.appendMessage({
        conversationId: c.id,
        direction: 'out',
        author: { kind: 'counsellor', accountId },
        text,
        now: turn.now,
      });
      turn.counsellorText.messageId = messageId;
      // Someone who has not written lately may not hold the phone: a neutral first line, so the
      // lock screen shows nothing of what the counsellor wrote.
      const present = (await tx.recentInboundCount(c.id, turn.now - PERSON_PRESENT_MS, 1)) > 0;
      await tx.enqueueOutbox({
        conversationId: c.id,
        contactId: turn.contact.id,
        channel: c.channel,
        message: this.#renderer.counsellorMessage(turn.lang, text, { neutralFirstLine: !present }),
        messageId,
        now: turn.now,
      });
      count++;
    }
    for (const reply of turn.replies) {
      const message = this.#render(turn, reply, await this.#promptValues(tx, turn, reply));
      await enqueue(message, message.type === 'message' ? message.text : undefined);
    }
    if (turn.effects.some((e) => e.type === 'enqueueHandoff' || e.type === 'cancelHandoff'))
      tx.afterCommit(() => this.#deps.notifier?.publish('queue'));
    tx.afterCommit(() => this.#deps.notifier?.publish(`conversation:${c.id}`));
    return count;
  }

  /** Values a prompt asked for that live in the store (queue position, help directory). */
  async #promptValues(tx: StoreTx, turn: Turn, reply: Reply): Promise<PromptValues> {
    const values: PromptValues = {};
    for (const what of reply.prompt?.data ?? []) {
      if (what === 'queuePosition') values.queuePosition = await tx.queuePosition(turn.conversation.id);
      if (what === 'directory') {
        const region = typeof turn.flowContext.region === 'string' ? turn.flowContext.region : null;
        values.directory = await tx.listDirectory(region);
      }
    }
    return values;
  }

  /**
   * Erase: every row about the person goes, then the quick exit runs (delete what the platform
   * allows, clear the web page) and one last line says what Tirek cannot erase. These rows hold no
   * text log; once delivered they keep no text, address or link to the person (sql-store `finish`).
   */
  async #commitErased(tx: StoreTx, turn: Turn): Promise<number> {
    const refs = await tx.platformRefsSince(turn.contact.id, turn.now - QUICK_EXIT_WINDOW_MS);
    if (turn.logged?.platformRef) refs.push(...(JSON.parse(turn.logged.platformRef) as string[]));
    await tx.eraseContact(turn.contact.id);
    const goodbye: OutboundMessage[] = [];
    if (refs.length > 0) goodbye.push({ type: 'delete', refs });
    // the last line says how to delete the chat, so no separate "how to clear" line
    goodbye.push({ type: 'clear', lang: turn.lang, silent: true });
    goodbye.push(this.#render(turn, { key: 'erase:done' }, {}));
    for (const message of goodbye) {
      await tx.enqueueOutbox({
        conversationId: null,
        contactId: turn.contact.id,
        channel: turn.conversation.channel,
        address: turn.contact.address,
        message,
        now: turn.now,
      });
    }
    tx.afterCommit(() => this.#deps.notifier?.publish('queue'));
    return goodbye.length;
  }

  #render(turn: Turn, reply: Reply, values: PromptValues): OutboundMessage {
    return this.#renderer(
      {
        lang: turn.lang,
        flow: turn.conversation.flow,
        channel: turn.conversation.channel,
        status: turn.conversation.status,
        conversationId: turn.conversation.id,
        flowContext: turn.flowContext,
        now: turn.now,
      },
      reply,
      values,
    );
  }
}

/** The person's messages in the flood window before this one (a new window once it has passed). */
function inboundInWindow(c: ConversationRecord, now: number): number {
  const w = c.inboundWindow;
  return w && now - w.since < FLOOD_WINDOW_MS && now >= w.since ? w.count : 0;
}

/** The flood window with one more message in it. */
function countInbound(c: ConversationRecord, now: number): { since: number; count: number } {
  const count = inboundInWindow(c, now);
  return count === 0
    ? { since: now, count: 1 }
    : { since: (c.inboundWindow as { since: number }).since, count: count + 1 };
}

/** What a blocked person still gets an answer to: help, leaving without traces, erasing their data. */
const STILL_ANSWERED_WHEN_BLOCKED = new Set<string | undefined>(['sos', 'exit', 'erase']);

const asCommand = (id: string) => PERSON_COMMANDS.find((c) => c === id);

/** The code of `/start link-CODE`, if that is what arrived. */
function adminLinkCode(inbound: InboundMessage): string | undefined {
  if (inbound.kind !== 'command' || inbound.command !== 'start' || !inbound.arg) return undefined;
  const code = inbound.arg.startsWith(ADMIN_LINK_PREFIX) ? inbound.arg.slice(ADMIN_LINK_PREFIX.length) : '';
  return /^[A-Za-z0-9]{6,32}$/.test(code) ? code : undefined;
}
