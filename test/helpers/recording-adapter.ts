/** A channel adapter that records what it is asked to send, and can be told to fail. */
import { DeliveryError } from '../../src/core/errors.js';
import type {
  Channel,
  ChannelAdapter,
  DeliveryResult,
  InboundSink,
  OutboundMessage,
} from '../../src/core/types.js';

export interface Sent {
  address: string;
  message: OutboundMessage;
}

export class RecordingAdapter implements ChannelAdapter {
  readonly channel: Channel;
  readonly sent: Sent[] = [];
  sink: InboundSink | undefined;
  /** Errors thrown by the next send() calls, in order. */
  readonly failures: DeliveryError[] = [];
  /** Called before each send (e.g. to crash the process mid-delivery). */
  beforeSend: ((address: string, message: OutboundMessage) => void | Promise<void>) | undefined;
  #next = 1;

  constructor(channel: Channel = 'webchat') {
    this.channel = channel;
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  async send(address: string, message: OutboundMessage): Promise<DeliveryResult> {
    await this.beforeSend?.(address, message);
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ address, message });
    return { refs: [String(this.#next++)] };
  }

  /** Texts sent to one address, in order. */
  textsTo(address: string): string[] {
    return this.sent.flatMap((s) =>
      s.address === address && s.message.type === 'message' ? [s.message.text] : [],
    );
  }

  failNext(error: DeliveryError = new DeliveryError(this.channel, 'fake outage', { retryable: true })): void {
    this.failures.push(error);
  }
}
