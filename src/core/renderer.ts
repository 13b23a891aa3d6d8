/**
 * Turns a neutral reply (a locale key, values, maybe a prompt with choices) into an
 * OutboundMessage in the person's language. Adapters then lay it out for their platform.
 */
import type { ChoiceDef, FlowId, Prompt, PromptData } from '../../flows/contract.js';
import type { Translator } from '../i18n/translator.js';
import type { DutySchedule } from './duty.js';
import type { DirectoryEntry } from './ports.js';
import type { Lang, OutboundMessage, RenderedChoice } from './types.js';

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

  /** A counsellor's words, as written, with SOS and quick exit always at hand. */
  function counsellorMessage(lang: Lang, text: string): OutboundMessage {
    return {
      type: 'message',
      text,
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
    // Every question carries SOS, and a way to the menu unless it is the menu.
    const globalChoices: RenderedChoice[] = reply.prompt
      ? [
          { id: 'sos', label: translator.t(lang, 'common:choices.sos') },
          ...(ctx.flow === 'menu' ? [] : [{ id: 'menu', label: translator.t(lang, 'common:choices.menu') }]),
        ]
      : [];
    return { type: 'message', text: translator.t(lang, reply.key, params), choices, globalChoices, lang };
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
