/**
 * `npm run admin -- create-user --role admin --username NAME [--display-name "Name"]`: creates a
 * console account. The password comes from TIREK_ADMIN_PASSWORD or a prompt; never a default.
 */
import { createUserCommand, HELP } from '../console/create-user.js';

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create-user' || rest.includes('--help')) {
    process.stdout.write(`${HELP}\n`);
    if (command !== 'create-user' && command !== '--help') process.exitCode = 1;
    return;
  }
  process.stdout.write(`${await createUserCommand(rest)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
