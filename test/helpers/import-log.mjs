// `node --import ./test/helpers/import-log.mjs …`: appends every module URL the process resolves
// to the file named by TIREK_IMPORT_LOG (the start-up test reads which packages were loaded).
import { register } from 'node:module';

register(new URL('./import-log-hooks.mjs', import.meta.url), { data: process.env.TIREK_IMPORT_LOG });
