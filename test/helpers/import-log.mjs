// `node --import ./test/helpers/import-log.mjs …`: appends to the file named by TIREK_IMPORT_LOG
// every module URL the process resolves through import, and at exit every CommonJS file it
// loaded (require.cache), so the start-up test can see which packages were loaded.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.TIREK_IMPORT_LOG;
register(new URL('./import-log-hooks.mjs', import.meta.url), { data: log });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  if (log) appendFileSync(log, `${Object.keys(cache).join('\n')}\n`);
});
