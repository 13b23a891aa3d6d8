/**
 * Login rate limit, per account and per address, kept in the database (so it holds across
 * instances). Keys are keyed hashes: the table never holds an address or a name in clear; old
 * failures are dropped as new ones come (the table stays bounded).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { ConsoleDeps } from './deps.js';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export function clientAddress(c: Context, deps: ConsoleDeps): string {
  if (deps.config.CONSOLE_TRUST_PROXY) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function loginKeys(deps: ConsoleDeps, username: string, address: string) {
  return {
    account: deps.pseudonym('console-login', 'account', username.toLowerCase()),
    address: deps.pseudonym('console-login', 'address', address),
  };
}

/** True if either the account or the address has failed too often lately. */
export async function isLimited(
  deps: ConsoleDeps,
  keys: { account: string; address: string },
): Promise<boolean> {
  const since = deps.clock() - LOGIN_WINDOW_MS;
  const [byAccount, byAddress] = await Promise.all([
    deps.consoleStore.countLoginFailures(keys.account, since),
    deps.consoleStore.countLoginFailures(keys.address, since),
  ]);
  return byAccount >= MAX_FAILURES_PER_ACCOUNT || byAddress >= MAX_FAILURES_PER_ADDRESS;
}

export async function recordFailure(
  deps: ConsoleDeps,
  keys: { account: string; address: string },
): Promise<void> {
  const now = deps.clock();
  const before = now - LOGIN_WINDOW_MS;
  await deps.consoleStore.addLoginFailure(keys.account, now, before);
  await deps.consoleStore.addLoginFailure(keys.address, now, before);
}
