/**
 * GET /api/events: server-sent events for the console, fed by the Notifier (LISTEN/NOTIFY on
 * PostgreSQL), so a change committed on any instance reaches every open console. Events carry no
 * personal data: `queue` (refetch), `alert` {risk}, `conversation` {id}.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';

const KEEPALIVE_MS = 25_000;
/**
 * The engine publishes while its transaction is still committing, so a console refetching at once
 * could read the old state: `queue` and `conversation` go out shortly after the notification and
 * once more a little later (bursts collapse into one pair). An alert goes out once.
 */
const SETTLE_MS = 50;
const LATE_MS = 1000;

export function mountEvents(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  const idleMs = deps.config.CONSOLE_IDLE_MINUTES * 60_000;
  api.get('/events', (c) => {
    const tokenHash = c.get('tokenHash');
    return streamSSE(c, async (stream) => {
      const pending = new Map<string, NodeJS.Timeout[]>();
      const send = (event: string, data: object) => {
        const payload = JSON.stringify(data);
        const key = `${event} ${payload}`;
        if (pending.has(key)) return;
        const write = () => void stream.writeSSE({ event, data: payload }).catch(() => {});
        const last = event === 'alert' ? SETTLE_MS : LATE_MS;
        const timers = [setTimeout(write, SETTLE_MS), setTimeout(() => pending.delete(key), last)];
        if (event !== 'alert') timers.push(setTimeout(write, LATE_MS));
        pending.set(key, timers);
      };
      const off = [
        deps.notifier.subscribe('queue', () => send('queue', {})),
        deps.notifier.subscribe('alert:*', (topic) => send('alert', { risk: topic.slice('alert:'.length) })),
        deps.notifier.subscribe('conversation:*', (topic) => {
          const id = Number(topic.slice('conversation:'.length));
          if (Number.isInteger(id)) send('conversation', { id });
        }),
      ];
      await stream.writeSSE({ event: 'ready', data: '{}' });
      // A session that ended (idle, logout, disabled user) closes the stream; the stream itself is no use.
      const keepAlive = setInterval(() => {
        void deps.consoleStore
          .touchSession(tokenHash, deps.clock(), idleMs, false)
          .then((s) => (s ? stream.writeSSE({ event: 'ping', data: '{}' }) : stream.abort()))
          .catch(() => {});
      }, KEEPALIVE_MS);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      for (const timers of pending.values()) for (const timer of timers) clearTimeout(timer);
      for (const unsubscribe of off) unsubscribe();
    });
  });
}
