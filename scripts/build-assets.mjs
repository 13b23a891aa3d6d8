// `npm run build` helper: `--clean` empties dist/ before tsc; otherwise copies what the compiled
// code reads beside itself (import.meta.url paths): the locales, the web chat's static files and
// the directory seed, the console's and the campaigns page's static files. dist/ then runs with `node dist/src/main.js` and nothing else.
import { cpSync, rmSync } from 'node:fs';

if (process.argv.includes('--clean')) {
  rmSync('dist', { recursive: true, force: true });
} else {
  for (const [from, to] of [
    ['locales', 'dist/locales'],
    ['src/channels/webchat/public', 'dist/src/channels/webchat/public'],
    ['src/store/seed', 'dist/src/store/seed'],
    ['src/console/public', 'dist/src/console/public'],
    ['src/broadcast/public', 'dist/src/broadcast/public'],
  ])
    cpSync(from, to, { recursive: true });
}
