/** The notifier of a single process (SQLite): an in-memory emitter. PostgreSQL uses LISTEN/NOTIFY. */
import { EventEmitter } from 'node:events';
import type { Notifier } from './ports.js';

export function createLocalNotifier(): Notifier {
  const emitter = new EventEmitter();
  // Every open console tab and web-chat stream listens: no fixed ceiling.
  emitter.setMaxListeners(0);
  return {
    publish(topic) {
      emitter.emit(topic, topic);
      // `conversation:*` hears every `conversation:<id>` (the console's one event stream)
      const colon = topic.indexOf(':');
      if (colon > 0) emitter.emit(`${topic.slice(0, colon)}:*`, topic);
    },
    subscribe(topic, listener) {
      emitter.on(topic, listener);
      return () => void emitter.off(topic, listener);
    },
    close: async () => void emitter.removeAllListeners(),
  };
}
