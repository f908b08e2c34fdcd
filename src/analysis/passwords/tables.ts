/**
 * Words that introduce an archive password in a message, by language, and
 * the filler that may sit between the word and the password ("is", "lautet",
 * "est"). Lower-case; matched case-insensitively as whole words.
 */
export const PASSWORD_WORDS: readonly string[] = [
  // English
  'password', 'passwort', 'passcode', 'pass', 'pwd', 'pw',
  // German, Dutch, Scandinavian, Finnish, Polish, Czech, Hungarian, Turkish, Romanian
  'kennwort', 'wachtwoord', 'lösenord', 'losenord', 'passord', 'adgangskode', 'salasana', 'hasło', 'haslo', 'heslo',
  'jelszó', 'jelszo', 'şifre', 'sifre', 'parolă', 'parola',
  // French, Spanish, Portuguese, Italian
  'mot de passe', 'mdp', 'contraseña', 'contrasena', 'clave', 'senha', "parola d'ordine", 'parola chiave',
  // Russian, Ukrainian, Greek, Arabic, Hebrew, Vietnamese, Indonesian
  'пароль', 'κωδικός', 'كلمة المرور', 'كلمة السر', 'סיסמה', 'mật khẩu', 'kata sandi',
  // Chinese, Japanese, Korean
  '密码', '密碼', '口令', 'パスワード', '暗証番号', '비밀번호', '암호',
];

/** Words between the keyword and the password that are not the password. */
export const FILLER_WORDS: readonly string[] = [
  'is', 'ist', 'lautet', 'est', 'es', 'é', 'è', 'e', 'är', 'er', 'on', 'jest', 'je', 'van', 'to', 'for', 'the', 'zip', 'archive',
  'file', 'attachment', 'für', 'fur', 'das', 'die', 'den', 'de', 'del', 'do', 'da', 'la', 'le', 'of',
];

/** Quote pairs around a password ("1234", «1234», 「1234」). */
export const QUOTES: readonly (readonly [string, string])[] = [
  ['"', '"'], ["'", "'"], ['“', '”'], ['„', '“'], ['‘', '’'], ['«', '»'], ['»', '«'], ['「', '」'], ['『', '』'], ['`', '`'],
];

/** At most this many candidates per message: each may cost a decryption attempt per encrypted member. */
export const MAX_CANDIDATES = 20;
/** Longest candidate; longer tokens are prose, not passwords. */
export const MAX_CANDIDATE_CHARS = 64;
/** Characters of text examined per source and in all (bounds the regex work on a 25 MB body). */
export const MAX_SOURCE_CHARS = 256 * 1024;
export const MAX_TOTAL_CHARS = 1024 * 1024;
/** A line longer than this is cut before matching. */
export const MAX_LINE_CHARS = 4096;
