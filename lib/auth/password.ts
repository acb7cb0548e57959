import "server-only";
import { env } from "@/env";
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";

const ROUNDS = Number(env.BCRYPT_ROUNDS ?? 12);

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;
/** zxcvbn scores 0–4; below this a password is guessable in hours by an offline attacker. */
const MIN_STRENGTH_SCORE = 3;

type Checker = { check(password: string, userInputs?: string[]): { score: number; feedback: { warning: string | null } } };
let checker: Promise<Checker> | undefined;

/** zxcvbn-ts with its common-password and English dictionaries (loaded once, on first use). */
function strengthChecker(): Promise<Checker> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return checker;
}

/**
 * Returns why a password is too weak, or null when it is acceptable. Besides length, it must not be
 * a common or easily guessed password: zxcvbn-ts checks it against lists of the most common
 * (breached) passwords, dictionary words, keyboard patterns and the user's own email.
 */
export async function passwordWeakness(password: string, userInputs: string[] = []): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Password must be at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (new Set(password).size < 4) return "Password is too repetitive.";
  if (!/[a-zA-Z]/.test(password) || !/[^a-zA-Z]/.test(password)) return "Password must mix letters with numbers or symbols.";
  // The email's local part ("first.last-1987"), the name, and their pieces are what a guesser tries first.
  const personal = userInputs
    .map((input) => input.trim().toLowerCase())
    .filter(Boolean)
    .flatMap((input) => (input.includes("@") ? [input, input.slice(0, input.lastIndexOf("@"))] : [input]));
  const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  if (personal.some((input) => input === password.toLowerCase() || (bare(input).length > 2 && bare(input) === bare(password)))) {
    return "Password must not be your email address or name.";
  }
  const inputs = personal.flatMap((input) => [input, ...input.split(/[^a-z0-9]+/).filter((p) => p.length > 2)]);
  const result = (await strengthChecker()).check(password, inputs);
  if (result.score < MIN_STRENGTH_SCORE) {
    const why = result.feedback.warning ? ` (${result.feedback.warning.replace(/\.$/, "")})` : "";
    return `Password is too common or easy to guess${why}. Try a longer phrase of unrelated words.`;
  }
  return null;
}

/**
 * bcrypt ignores everything after 72 bytes, so passwords are pre-hashed (SHA-256, base64: 44 bytes)
 * before bcrypt and every character counts. Hashes made before pre-hashing have no prefix and are
 * still verified the old way.
 */
const PREHASHED = "sha256+";
const prehash = (password: string) => createHash("sha256").update(password, "utf8").digest("base64");

export const hashPassword = async (password: string) => PREHASHED + (await bcrypt.hash(prehash(password), ROUNDS));

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return hash.startsWith(PREHASHED) ? bcrypt.compare(prehash(password), hash.slice(PREHASHED.length)) : bcrypt.compare(password, hash);
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the same bcrypt work as a real check, for sign-ins whose email has no password: an
 * unknown email must not answer faster than a wrong password.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword("timing-equaliser-not-a-password");
  await verifyPassword(password, await dummyHash);
  return false;
}
