/**
 * Turns a neutral reply (a locale key, values, maybe a prompt with choices) into an
 * OutboundMessage in the person's language. Adapters then lay it out for their platform.
 */
import type { ChoiceDef, FlowId, Prompt, PromptData } from '../../flows/contract.js';
import type { Translator } from '../i18n/translator.js';
import type { DutySchedule } from './duty.js';
import type { ConversationStatus, DirectoryEntry } from './ports.js';
import type { Channel, Lang, OutboundMessage, RenderedChoice } from './types.js';

/** One reply before rendering. */
export interface Reply {
  key: string;
  values?: Record<string, unknown>;
  /** Set when the reply is a question: its choices are offered, with SOS and the menu. */
  prompt?: Prompt;
}

/** Where the conversation stands when a reply is rendered. */
export interface RenderContext {
  lang: Lang;
  flow: FlowId;
  /** A text may have a variant per channel (`<key>_telegram`, …): how to delete a chat, hide previews. */
  channel?: Channel;
  /** While a hand-off is under way (queued, with a counsellor) every message offers the quick exit. */
  status?: ConversationStatus;
  conversationId: number;
  flowContext: Record<string, unknown>;
  now: number;
}

/** What a prompt asked for that lives in the store; the engine reads it in the turn's transaction. */
export interface PromptValues {
  queuePosition?: number | null;
  directory?: DirectoryEntry[];
}

export interface RendererDeps {
  translator: Translator;
  duty: DutySchedule;
  /** Values every text may use, e.g. `{{retentionDays}}`. */
  textParams?: Record<string, string | number>;
}

export function createRenderer({ translator, duty, textParams }: RendererDeps) {
  function data(ctx: RenderContext, what: PromptData, values: PromptValues): Record<string, unknown> {
    switch (what) {
      case 'queuePosition':
        return { queuePosition: values.queuePosition ?? '—' };
      case 'duty':
        return duty.describe(ctx.lang, ctx.now);
      case 'directory': {
        const lines = (values.directory ?? []).map(
          (e) => `• ${e.name[ctx.lang]} — ${e.phone}${e.note ? ` (${e.note[ctx.lang]})` : ''}`,
        );
        return { directory: lines.join('\n') };
      }
    }
  }

  /**
   * A counsellor's words, as written, with SOS and quick exit always at hand. With
   * `neutralFirstLine` (the person may not hold the phone) a neutral line comes first, so a lock
   * screen or a chat list shows nothing of what the counsellor wrote.
   */
  function counsellorMessage(
    lang: Lang,
    text: string,
    { neutralFirstLine = false }: { neutralFirstLine?: boolean } = {},
  ): OutboundMessage {
    return {
      type: 'message',
      text: neutralFirstLine ? `${translator.t(lang, 'safety:new_message')}\n\n${text}` : text,
      choices: [],
      globalChoices: [
        { id: 'sos', label: translator.t(lang, 'common:choices.sos') },
        { id: 'exit', label: translator.t(lang, 'common:choices.exit') },
      ],
      lang,
    };
  }

  function render(ctx: RenderContext, reply: Reply, values: PromptValues = {}): OutboundMessage {
    const { lang } = ctx;
    const params: Record<string, unknown> = {
      ...textParams,
      ...primitives(ctx.flowContext),
      ...reply.values,
    };
    for (const what of reply.prompt?.data ?? []) Object.assign(params, data(ctx, what, values));
    const choices: RenderedChoice[] = (reply.prompt?.choices ?? []).map((c: ChoiceDef) => ({
      id: c.id,
      label: translator.t(lang, c.label),
    }));
    // Every question carries SOS, and a way to the menu unless it is the menu. While a hand-off is
    // under way, every message also carries the quick exit (unless the question offers it itself).
    const sos = { id: 'sos', label: translator.t(lang, 'common:choices.sos') };
    const handoff = ctx.status === 'queued' || ctx.status === 'counsellor';
    const exit =
      handoff && !choices.some((c) => c.id === 'exit')
        ? [{ id: 'exit', label: translator.t(lang, 'common:choices.exit') }]
        : [];
    const globalChoices: RenderedChoice[] = reply.prompt
      ? [
          sos,
          ...(ctx.flow === 'menu' ? [] : [{ id: 'menu', label: translator.t(lang, 'common:choices.menu') }]),
          ...exit,
        ]
      : handoff
        ? [sos, ...exit]
        : [];
    const perChannel = ctx.channel ? `${reply.key}_${ctx.channel}` : undefined;
    const key = perChannel && translator.has(perChannel, lang) ? perChannel : reply.key;
    return { type: 'message', text: translator.t(lang, key, params), choices, globalChoices, lang };
  }

  return Object.assign(render, { counsellorMessage });
}

export type Render = ReturnType<typeof createRenderer>;

/** The flow context's plain values, usable as text params. */
function primitives(context: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(context).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)),
  );
}
