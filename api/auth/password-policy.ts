import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password rules of NIST SP 800-63B (5.1.1.2): a length range and a blocklist, no composition
 * rules (no "one digit, one capital"), no periodic expiry.
 *
 * The blocklist is the `passwords-common` dictionary of @zxcvbn-ts/language-common (MIT, an npm
 * dependency): the 49,233 most frequent passwords of public breach corpora, as zxcvbn uses them.
 * To it we add what NIST calls context-specific words (the service's and the city's names) and
 * the account's own e-mail local part. Since our minimum is 12 characters and few listed
 * passwords are that long, a listed password padded with digits or symbols ("password1234",
 * "iloveyou!!!!") and repetitions or runs ("aaaaaaaaaaaa", "abcabcabcabc", "123456789012")
 * are refused too.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** NIST: at least 64 allowed; the cap only guards the hash function against megabyte inputs */
export const MAX_PASSWORD_LENGTH = 256;

const COMMON: ReadonlySet<string> = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
const CONTEXT_WORDS = ['geoportal', 'chomutov', 'chomutova', 'chomutove', 'heslo', 'password'];

export type PasswordProblem = 'too-short' | 'too-long' | 'common' | 'repetitive' | 'contains-email' | 'context';

const MESSAGES: Record<PasswordProblem, string> = {
  'too-short': `the password must have at least ${MIN_PASSWORD_LENGTH} characters`,
  'too-long': `the password may have at most ${MAX_PASSWORD_LENGTH} characters`,
  common: 'this password is among commonly used or breached passwords; choose another (a few unrelated words work well)',
  repetitive: 'the password is a repetition or a sequence of characters; choose another',
  'contains-email': 'the password must not contain your e-mail name',
  context: 'the password must not be built on the name of the geoportal or the city',
};

/** a string made of one unit repeated ("aaaa", "abab", "passwordpassword") */
function repeated(s: string): boolean {
  return /^(.+?)\1+$/su.test(s);
}

/** a run with a constant step between code points ("123456789012" wraps 9→0, "abcdefghijkl", "987654…") */
function sequential(s: string): boolean {
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const step = (a: number, b: number) => {
    const d = b - a;
    // digits wrap around: 8,9,0,1
    if (a >= 48 && a <= 57 && b >= 48 && b <= 57) return ((d % 10) + 10) % 10 === 1 ? 1 : ((d % 10) + 10) % 10 === 9 ? -1 : d;
    return d;
  };
  const first = step(cps[0]!, cps[1]!);
  if (Math.abs(first) !== 1) return false;
  for (let i = 2; i < cps.length; i++) if (step(cps[i - 1]!, cps[i]!) !== first) return false;
  return true;
}

/** the password without padding of digits, symbols and spaces at either end, lower-cased */
function core(s: string): string {
  return s.toLowerCase().replace(/^[\p{N}\p{P}\p{S}\s]+|[\p{N}\p{P}\p{S}\s]+$/gu, '');
}

/** The first rule a password breaks, or undefined when it may be used. */
export function passwordProblem(password: string, email?: string): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too-short';
  if (length > MAX_PASSWORD_LENGTH) return 'too-long';
  const lower = password.toLowerCase();
  const stripped = core(password);
  if (COMMON.has(lower) || COMMON.has(lower.replace(/\s+/g, '')) || (stripped.length >= 4 && COMMON.has(stripped))) return 'common';
  if (new Set(lower).size < 4 || repeated(lower) || sequential(lower)) return 'repetitive';
  const local = email?.trim().toLowerCase().split('@')[0] ?? '';
  // a local part of one or two letters would refuse half the alphabet
  if (local.length >= 3 && lower.includes(local)) return 'contains-email';
  if (CONTEXT_WORDS.some((w) => stripped === w || (stripped.length - w.length < 4 && stripped.includes(w)))) return 'context';
  return undefined;
}

export function passwordMessage(problem: PasswordProblem): string {
  return MESSAGES[problem];
}
