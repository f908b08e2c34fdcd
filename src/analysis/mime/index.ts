export { parseMime } from './parse-mime.js';
export type { MimeLeaf, ParsedMime } from './parse-mime.js';
export { decodeBase64 } from './decode-base64.js';
export type { Base64Outcome } from './decode-base64.js';
