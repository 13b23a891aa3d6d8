// Module hooks for import-log.mjs (they run on the loader thread).
import { appendFileSync } from 'node:fs';

let log;
export function initialize(path) {
  log = path;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (log) appendFileSync(log, `${result.url}\n`);
  return result;
}
