/**
 * GET /api/events: server-sent events for the console, fed by the Notifier (LISTEN/NOTIFY on
 * PostgreSQL), so a change committed on any instance reaches every open console. Events carry no
 * personal data: `queue` (refetch), `alert` {risk}, `conversation` {id}.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';

const KEEPALIVE_MS = 25_000;
/** Published when sessions were ended on purpose; carries nobody's id (each stream checks its own). */
export const SESSIONS_ENDED = 'sessions:ended';
/** Notifications arrive after the change committed; a burst of them becomes one event. */
const SETTLE_MS = 50;

export function mountEvents(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  const idleMs = deps.config.CONSOLE_IDLE_MINUTES * 60_000;
  api.get('/events', (c) => {
    const tokenHash = c.get('tokenHash');
    return streamSSE(c, async (stream) => {
      const pending = new Map<string, NodeJS.Timeout>();
      const send = (event: string, data: object) => {
        const payload = JSON.stringify(data);
        const key = `${event} ${payload}`;
        if (pending.has(key)) return;
        const timer = setTimeout(() => {
          pending.delete(key);
          void stream.writeSSE({ event, data: payload }).catch(() => {});
        }, SETTLE_MS);
        pending.set(key, timer);
      };
      const off = [
        deps.notifier.subscribe('queue', () => send('queue', {})),
        deps.notifier.subscribe('alert:*', (topic) => send('alert', { risk: topic.slice('alert:'.length) })),
        deps.notifier.subscribe('conversation:*', (topic) => {
          const id = Number(topic.slice('conversation:'.length));
          if (Number.isInteger(id)) send('conversation', { id });
        }),
      ];
      // A session that ended (idle, logout, disabled user, new password) closes the stream at once
      // when it was ended on purpose (SESSIONS_ENDED, from any instance), at the next ping if idle.
      const check = (ping: boolean) =>
        void deps.consoleStore
          .touchSession(tokenHash, deps.clock(), idleMs, false)
          .then((s) =>
            s ? (ping ? stream.writeSSE({ event: 'ping', data: '{}' }) : undefined) : stream.abort(),
          )
          .catch(() => {});
      off.push(deps.notifier.subscribe(SESSIONS_ENDED, () => check(false)));
      await stream.writeSSE({ event: 'ready', data: '{}' });
      const keepAlive = setInterval(() => check(true), KEEPALIVE_MS);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      for (const timer of pending.values()) clearTimeout(timer);
      for (const unsubscribe of off) unsubscribe();
    });
  });
}
