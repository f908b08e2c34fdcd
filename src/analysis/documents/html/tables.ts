/**
 * Detection data of the HTML dissector. Edit here, not in the code.
 */

/** Script APIs that turn text into a file the browser saves (the smuggling "assembly" step). */
export const SAVE_APIS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'Blob', pattern: /\bBlob\b/ },
  { name: 'URL.createObjectURL', pattern: /createObjectURL/ },
  { name: 'msSaveOrOpenBlob', pattern: /msSaveOrOpenBlob/ },
  { name: 'navigator.msSaveBlob', pattern: /msSaveBlob/ },
  { name: 'download attribute', pattern: /\bdownload\b\s*[=:]|setAttribute\s*\(\s*["'`]download/ },
  { name: 'saveAs', pattern: /\bsaveAs\s*\(/ },
  { name: 'File constructor', pattern: /new\s+File\s*\(/ },
];

/** Script APIs that turn encoded text back into bytes (the smuggling "decode" step). */
export const DECODE_APIS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'atob', pattern: /\batob\b/ },
  { name: 'Uint8Array', pattern: /\bUint8Array\b/ },
  { name: 'fromCharCode', pattern: /fromCharCode/ },
  { name: 'charCodeAt', pattern: /charCodeAt/ },
  { name: 'unescape/decodeURIComponent', pattern: /\bunescape\s*\(|decodeURIComponent\s*\(/ },
  { name: 'base64 decoding', pattern: /base64/i },
];

/** Script constructs that evaluate or write out text built at run time. */
export const OBFUSCATION_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'eval', pattern: /\beval\s*\(/ },
  { name: 'document.write of decoded text', pattern: /document\s*\.\s*write(ln)?\s*\(\s*(atob|unescape|decodeURIComponent|window\s*\.\s*atob|String\.fromCharCode)/ },
  { name: 'new Function', pattern: /new\s+Function\s*\(|\bFunction\s*\(\s*["'`]/ },
  { name: 'dense \\x escapes', pattern: /(\\x[0-9a-fA-F]{2}){40}/ },
  { name: 'dense \\u escapes', pattern: /(\\u[0-9a-fA-F]{4}){40}/ },
  { name: 'long fromCharCode list', pattern: /fromCharCode\s*\(\s*(\d+\s*,\s*){40}/ },
];

/** Script navigation to another page. */
export const SCRIPT_REDIRECT = /\b(?:window|document|top|self|parent)\s*\.\s*location(?:\s*\.\s*href)?\s*=|\blocation\s*\.\s*(?:replace|assign)\s*\(|\blocation\s*\.\s*href\s*=/;

/** A script that makes an input a password field at run time. */
export const SCRIPT_PASSWORD_FIELD = /type\s*[=:]\s*["'`]password["'`]|["'`]type["'`]\s*,\s*["'`]password["'`]/i;

/** Media types of data: URLs that are only shown, never run or saved: not reported, not extracted. */
export const PASSIVE_DATA_TYPES = /^(image\/(?!svg)|font\/|application\/font|text\/css|audio\/|video\/)/i;

// An encoded run this long assembled by script is a file, not a parameter (Microsoft's and Mandiant's smuggling write-ups).
export const LARGE_BLOB_CHARS = 64 * 1024;
// Smaller payloads (a .lnk is a few hundred bytes) still count when the page both decodes and saves.
export const SMALL_BLOB_CHARS = 256;
// Bits per character of a base64 run that carries data rather than a repeated filler (a small shortcut, mostly zero bytes, can fall below 4.5).
export const MIN_BLOB_ENTROPY = 3;
// At most this many members per page (decoded blobs and data: URLs); the budget bounds them again.
export const MAX_MEMBERS = 16;
