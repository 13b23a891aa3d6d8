/**
 * /healthz (the process answers), /readyz (the database answers and no channel failed to start:
 * 503 otherwise, for a load balancer or a monitor) and /metrics (Prometheus). /metrics answers a
 * direct request from this machine, or anyone with `Authorization: Bearer <METRICS_TOKEN>` when
 * that is set; a request that came through a proxy (X-Forwarded-For) is not "this machine".
 */
import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import type { Store } from '../core/ports.js';
import type { ChannelStatus } from '../metrics/channel-status.js';
import type { Metrics } from '../metrics/metrics.js';
import type { HttpMountable } from './server.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function createHealthRoutes(deps: {
  store: Store;
  channels: ChannelStatus;
  metrics: Metrics;
  metricsToken?: string | undefined;
}): HttpMountable {
  const { store, channels, metrics, metricsToken } = deps;
  const allowed = (c: Context) => {
    if (metricsToken) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '');
      const want = Buffer.from(metricsToken);
      return given.length === want.length && timingSafeEqual(given, want);
    }
    if (c.req.header('x-forwarded-for') || c.req.header('forwarded')) return false;
    let address: string | undefined;
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      return false;
    }
    return address !== undefined && LOOPBACK.test(address);
  };
  return {
    mount(app: Hono) {
      app.get('/readyz', async (c) => {
        let database = true;
        try {
          await store.ping();
        } catch {
          database = false;
        }
        const list = channels.snapshot();
        const ready = database && list.every((ch) => ch.state !== 'failed' && ch.state !== 'stopped');
        return c.json({ ready, database: database ? 'ok' : 'down', channels: list }, ready ? 200 : 503, {
          'Cache-Control': 'no-store',
        });
      });
      app.get('/metrics', async (c) => {
        if (!allowed(c)) return c.text('Not found', 404);
        return c.body(await metrics.render(), 200, {
          'Content-Type': metrics.registry.contentType,
          'Cache-Control': 'no-store',
        });
      });
    },
  };
}
