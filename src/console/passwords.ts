/** Console passwords: argon2id (@node-rs/argon2, prebuilt binaries), never stored in clear. */
// Loaded at the first login or new account, not at start-up (its native binding takes a while).
const argon2 = () => import('@node-rs/argon2');

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

// argon2id (algorithm 2) with the library's defaults (19 MiB, 2 passes: OWASP's minimum)
const OPTIONS = { algorithm: 2 as const };

export const hashPassword = async (password: string): Promise<string> =>
  (await argon2()).hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never logs anyone in
  }
}

/** Compared against when the account does not exist, so both cases take as long. */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => {
  dummy ??= hashPassword('not-a-real-password-for-timing-only');
  return dummy;
};
