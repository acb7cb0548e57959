import bcrypt from "bcryptjs";

const ROUNDS = Number(process.env.BCRYPT_ROUNDS ?? 12);

export const MIN_PASSWORD_LENGTH = 10;
const COMMON_PASSWORDS = new Set([
  "password123",
  "password1234",
  "1234567890",
  "12345678910",
  "qwertyuiop",
  "iloveyou123",
  "letmein123",
  "welcome123",
  "administrator",
  "passw0rd123",
]);

/** Returns why a password is too weak, or null when it is acceptable. */
export function passwordWeakness(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > 200) return "Password must be at most 200 characters.";
  if (new Set(password).size < 4) return "Password is too repetitive.";
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return "Password is too common.";
  if (!/[a-zA-Z]/.test(password) || !/[^a-zA-Z]/.test(password))
    return "Password must mix letters with numbers or symbols.";
  return null;
}

export const hashPassword = (password: string) => bcrypt.hash(password, ROUNDS);
export const verifyPassword = (password: string, hash: string) => bcrypt.compare(password, hash);
