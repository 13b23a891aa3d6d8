/**
 * LISTEN/NOTIFY: a change committed on one instance reaches the live views (web chat streams,
 * console) served by every instance. One dedicated connection listens; it reconnects if lost.
 * Payloads are topic names only (no personal data); listeners re-read the store.
 */
import pg from 'pg';
import { createLocalNotifier } from '../../core/local-notifier.js';
import type { Notifier } from '../../core/ports.js';

const CHANNEL = 'tirek_events';
const RECONNECT_MS = 1000;

export async function createPostgresNotifier(
  connectionString: string,
  pool: pg.Pool,
  onError: (err: unknown) => void,
): Promise<Notifier> {
  const local = createLocalNotifier();
  let client: pg.Client | undefined;
  let closed = false;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString });
    c.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) local.publish(n.payload);
    });
    c.on('error', (err) => {
      onError(err);
      if (client === c) client = undefined;
      if (!closed) setTimeout(() => void connect().catch(onError), RECONNECT_MS).unref();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  }
  await connect();

  return {
    publish(topic) {
      pool.query('SELECT pg_notify($1, $2)', [CHANNEL, topic]).catch(onError);
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    async close() {
      closed = true;
      await local.close();
      await client?.end().catch(() => {});
    },
  };
}
