/** Small helpers shared by the console's routes: JSON errors, validated bodies, ids. */
import type { Context } from 'hono';
import type { z } from 'zod';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

export const fail = (c: Context, status: ErrorStatus, error: string, extra: object = {}) =>
  c.json({ error, ...extra }, status);

export class BadInput extends Error {
  constructor(
    message: string,
    readonly status: ErrorStatus = 400,
  ) {
    super(message);
  }
}

/** The request's JSON body checked against `schema`; throws BadInput with a clear message. */
export async function body<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new BadInput('the body must be JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new BadInput(`${where}${issue?.message ?? 'invalid body'}`);
  }
  return parsed.data;
}

/** A positive integer id from the path; throws BadInput (404: no such thing) otherwise. */
export function idParam(c: Context, name = 'id'): number {
  const v = c.req.param(name) ?? '';
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1)
    throw new BadInput(`no such ${name === 'id' ? 'item' : name}`, 404);
  return Number(v);
}
