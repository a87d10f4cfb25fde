import { describe, expect, it } from 'vitest';
import { dictionary } from '@zxcvbn-ts/language-common';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../password-policy.ts';

describe('password policy (NIST SP 800-63B)', () => {
  it('uses a shipped list of at least 10,000 common passwords and refuses every long-enough entry of it', () => {
    const list = dictionary['passwords-common'];
    expect(list.length).toBeGreaterThanOrEqual(10_000);
    const longEnough = list.filter((p) => [...p].length >= MIN_PASSWORD_LENGTH);
    expect(longEnough.length).toBeGreaterThan(100);
    for (const p of longEnough) expect(passwordProblem(p), p).toBeDefined();
  });

  it('refuses the passwords of the report and their obvious variants', () => {
    expect(passwordProblem('aaaaaaaaaaaa')).toBe('repetitive');
    expect(passwordProblem('password1234')).toBe('common');
    expect(passwordProblem('iloveyou!!!!')).toBe('common');
    expect(passwordProblem('Sunshine2024!')).toBe('common');
    expect(passwordProblem('abcabcabcabc')).toBe('repetitive');
    expect(passwordProblem('123456789012')).toBeDefined();
    expect(passwordProblem('abcdefghijklm')).toBe('repetitive');
    expect(passwordProblem('chomutov2024')).toBe('context');
    expect(passwordProblem('Geoportal-123')).toBe('context');
  });

  it('refuses a password that contains the e-mail local part, case-insensitively', () => {
    expect(passwordProblem('JanNovak-je-nejlepsi', 'jan.novak@chomutov.test')).toBeUndefined();
    expect(passwordProblem('moje-JAN.NOVAK-heslo', 'jan.novak@chomutov.test')).toBe('contains-email');
    expect(passwordProblem('xx-petr.svoboda-42', 'Petr.Svoboda@chomutov.test')).toBe('contains-email');
  });

  it('has no composition rules: long passphrases of lower-case words, spaces and any script pass', () => {
    expect(passwordProblem('modrá konvice na čaj')).toBeUndefined();
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
    expect(passwordProblem('žluťoučký kůň úpěl')).toBeUndefined();
    expect(passwordProblem('😀 emoji v hesle funguje')).toBeUndefined();
  });

  it('counts characters, not UTF-16 units, and allows at least 64 of them', () => {
    expect(passwordProblem('ěščřžýáíéůúď'.slice(0, 11))).toBe('too-short');
    expect(passwordProblem('😀'.repeat(6) + 'abcde')).toBe('too-short');
    expect(MAX_PASSWORD_LENGTH).toBeGreaterThanOrEqual(64);
    const long = Array.from({ length: 16 }, (_, i) => ['slon', 'kmen', 'hrad', 'most', 'vlak', 'list', 'roh', 'pes'][i % 8] + i).join('-');
    expect([...long].length).toBeGreaterThan(64);
    expect(passwordProblem(long)).toBeUndefined();
    expect(passwordProblem('x'.repeat(MAX_PASSWORD_LENGTH + 1))).toBe('too-long');
  });
});
