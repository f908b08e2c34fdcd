/**
 * IBM code page 437, the name encoding the zip specification (APPNOTE 4.4.17,
 * appendix D) prescribes when general-purpose flag bit 11 is clear. Bytes
 * 0x00-0x7f stay ASCII (control characters included, so escaping and the
 * member-name checks still see NUL, CR, LF and TAB as what they are).
 */

// 0x80-0xff in order (Unicode consortium mapping of CP437).
const HIGH_HALF =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const TABLE: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 0x80 ? String.fromCharCode(i) : (HIGH_HALF[i - 0x80] ?? '\ufffd')));

/** Decodes CP437 bytes to a string (every byte maps to exactly one character). */
export function decodeCp437(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += TABLE[byte] ?? '\ufffd';
  return out;
}

/** True when every byte is 7-bit ASCII (all code pages agree on such a name). */
export function isAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return false;
  return true;
}
