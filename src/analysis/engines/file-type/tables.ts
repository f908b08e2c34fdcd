/**
 * Detection data of the file-type policy engine: which extensions and content
 * types are dangerous, which extensions look like documents, and which types
 * are the same "family" for the mismatch check. Edit here, not in the code.
 */
import type { Severity } from '../../../core/index.js';

export type FileTypeSymbol =
  | 'FILETYPE_EXECUTABLE'
  | 'FILETYPE_SCRIPT'
  | 'FILETYPE_DOUBLE_EXTENSION'
  | 'FILETYPE_RTLO_NAME'
  | 'FILETYPE_EXTENSION_MISMATCH'
  | 'FILETYPE_DANGEROUS_EXTENSION';

/** Default score and severity per symbol; policy may override scores. */
export const FILETYPE_SYMBOLS: Readonly<Record<FileTypeSymbol, { readonly score: number; readonly severity: Severity }>> = {
  FILETYPE_EXECUTABLE: { score: 20, severity: 'high' },
  FILETYPE_SCRIPT: { score: 12, severity: 'high' },
  FILETYPE_DOUBLE_EXTENSION: { score: 15, severity: 'high' },
  FILETYPE_RTLO_NAME: { score: 20, severity: 'high' },
  FILETYPE_EXTENSION_MISMATCH: { score: 5, severity: 'medium' },
  FILETYPE_DANGEROUS_EXTENSION: { score: 10, severity: 'high' },
};

/** What detected content (by `detectedExtension`) means on its own. */
export const CONTENT_CLASS: Readonly<Record<string, 'executable' | 'script'>> = {
  // Native code.
  exe: 'executable',
  dll: 'executable',
  elf: 'executable',
  macho: 'executable',
  class: 'executable',
  // Runnable without a compiler: scripts, shortcuts, packages, and disk images that
  // Windows mounts on double-click and that carry such files past mark-of-the-web.
  sh: 'script',
  hta: 'script',
  lnk: 'script',
  jar: 'script',
  apk: 'script',
  reg: 'script',
  chm: 'script',
  iso: 'script',
  vhd: 'script',
  vhdx: 'script',
  dmg: 'script',
};

/** Extensions Windows (or a JVM, or the shell) runs or mounts on double-click: FILETYPE_SCRIPT by name. */
export const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set([
  'js', 'jse', 'vbs', 'vbe', 'wsf', 'wsh', 'wsc', 'sct', 'ps1', 'psm1', 'bat', 'cmd', 'hta',
  'scr', 'pif', 'com', 'cpl', 'lnk', 'url', 'scf', 'inf', 'jar', 'msi', 'msp', 'mst', 'reg',
  'chm', 'msc', 'xll', 'appref-ms', 'application', 'settingcontent-ms', 'library-ms',
  'iso', 'img', 'vhd', 'vhdx',
]);

/** Native executable extensions: FILETYPE_DANGEROUS_EXTENSION when the content is not recognised. */
export const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  'exe', 'dll', 'sys', 'ocx', 'drv', 'efi', 'so', 'dylib', 'elf',
]);

/** Extensions a user takes for a harmless document: the decoy half of `invoice.pdf.exe`. */
export const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set([
  'pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'pptm', 'rtf', 'txt', 'csv',
  'odt', 'ods', 'odp', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'mp3', 'mp4', 'wav',
  'avi', 'mov', 'zip', 'rar', '7z', 'htm', 'html', 'xml', 'eml', 'msg',
]);

/**
 * Extension (declared or detected) to format family. A mismatch is reported
 * only when both sides are known and their families differ, so renaming
 * within a family (.jpg holding a PNG, .docx detected as plain zip) and text
 * that no detector recognises stay quiet.
 */
export const EXTENSION_FAMILY: Readonly<Record<string, string>> = {
  pdf: 'pdf',
  // OLE2 compound files: legacy Office, Outlook items, installers.
  cfb: 'ole', doc: 'ole', dot: 'ole', xls: 'ole', xlt: 'ole', ppt: 'ole', pot: 'ole', pps: 'ole',
  msg: 'ole', msi: 'ole', msp: 'ole', pub: 'ole', vsd: 'ole',
  // Zip containers, Office Open XML and OpenDocument included.
  zip: 'zip', docx: 'zip', docm: 'zip', dotx: 'zip', dotm: 'zip', xlsx: 'zip', xlsm: 'zip',
  xltx: 'zip', xltm: 'zip', pptx: 'zip', pptm: 'zip', potx: 'zip', potm: 'zip', ppsx: 'zip',
  ppsm: 'zip', vsdx: 'zip', odt: 'zip', ods: 'zip', odp: 'zip', odg: 'zip', ott: 'zip', ots: 'zip',
  otp: 'zip', otg: 'zip', epub: 'zip', jar: 'zip', apk: 'zip', xpi: 'zip', '3mf': 'zip',
  rtf: 'rtf',
  jpg: 'image', jpeg: 'image', png: 'image', apng: 'image', gif: 'image', bmp: 'image', tif: 'image',
  tiff: 'image', webp: 'image', ico: 'image', heic: 'image', avif: 'image', jxl: 'image',
  mp3: 'media', mp4: 'media', m4a: 'media', wav: 'media', avi: 'media', mov: 'media', mkv: 'media',
  webm: 'media', ogg: 'media', oga: 'media', flac: 'media', mpg: 'media',
  exe: 'pe', dll: 'pe', sys: 'pe', ocx: 'pe', drv: 'pe', scr: 'pe', cpl: 'pe', efi: 'pe',
  elf: 'elf', so: 'elf',
  macho: 'macho', dylib: 'macho',
  rar: 'rar', '7z': '7z', gz: 'gzip', tgz: 'gzip', 'tar.gz': 'gzip', bz2: 'bzip2', xz: 'xz',
  tar: 'tar', cab: 'cab', iso: 'iso', img: 'iso', vhd: 'vhd', vhdx: 'vhdx', dmg: 'dmg',
  lnk: 'lnk', hta: 'hta', sh: 'script', class: 'class', swf: 'swf',
  txt: 'text', csv: 'text', log: 'text', md: 'text', json: 'text', xml: 'text', htm: 'text',
  html: 'text', eml: 'text', ics: 'text', vcf: 'text',
};
