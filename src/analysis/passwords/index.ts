/** Password candidates quoted in a message, for encrypted archives (DissectContext.passwords). */
export { extractPasswords, htmlToText } from './extract-passwords.js';
