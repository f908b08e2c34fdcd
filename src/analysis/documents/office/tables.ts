/**
 * Detection data for Office documents: finding scores, VBA keywords,
 * relationship types and URI schemes. Edit here, not in the code; each
 * symbol is documented in FINDINGS.md.
 */
import type { Severity } from '../../../core/index.js';

export type OfficeSymbol =
  | 'OFFICE_VBA_MACRO'
  | 'OFFICE_VBA_AUTOEXEC'
  | 'OFFICE_VBA_SUSPICIOUS'
  | 'OFFICE_VBA_STOMPED'
  | 'OFFICE_XLM_MACRO'
  | 'OFFICE_XLM_HIDDEN'
  | 'OFFICE_XLM_AUTOEXEC'
  | 'OFFICE_OLE_PACKAGE'
  | 'OFFICE_OLE_EMBEDDED'
  | 'OFFICE_EQUATION_OBJECT'
  | 'OFFICE_NUMFMT_INJECTION'
  | 'OFFICE_NUMFMT_MALFORMED'
  | 'OFFICE_ENCRYPTED'
  | 'OFFICE_OLE_MALFORMED'
  | 'PARSER_CONFUSION'
  | 'OFFICE_MACRO_ENABLED'
  | 'OFFICE_REMOTE_TEMPLATE'
  | 'OFFICE_EXTERNAL_RELATIONSHIP'
  | 'OFFICE_DANGEROUS_URI'
  | 'OFFICE_DDE'
  | 'OFFICE_XML_DTD'
  | 'OFFICE_XML_TOO_LARGE';

/** Default score and severity per symbol; policy may override scores. Quarantine is 15, reject 40. */
export const OFFICE_SYMBOLS: Readonly<Record<OfficeSymbol, { readonly score: number; readonly severity: Severity }>> = {
  OFFICE_VBA_MACRO: { score: 8, severity: 'medium' },
  OFFICE_VBA_AUTOEXEC: { score: 15, severity: 'high' },
  OFFICE_VBA_SUSPICIOUS: { score: 10, severity: 'high' },
  OFFICE_VBA_STOMPED: { score: 15, severity: 'high' },
  OFFICE_XLM_MACRO: { score: 10, severity: 'high' },
  OFFICE_XLM_HIDDEN: { score: 15, severity: 'high' },
  OFFICE_XLM_AUTOEXEC: { score: 15, severity: 'high' },
  OFFICE_OLE_PACKAGE: { score: 15, severity: 'high' },
  OFFICE_OLE_EMBEDDED: { score: 1, severity: 'info' },
  OFFICE_EQUATION_OBJECT: { score: 15, severity: 'high' },
  OFFICE_NUMFMT_INJECTION: { score: 50, severity: 'critical' },
  OFFICE_NUMFMT_MALFORMED: { score: 3, severity: 'medium' },
  OFFICE_ENCRYPTED: { score: 5, severity: 'medium' },
  OFFICE_OLE_MALFORMED: { score: 3, severity: 'medium' },
  PARSER_CONFUSION: { score: 15, severity: 'high' },
  OFFICE_MACRO_ENABLED: { score: 2, severity: 'low' },
  OFFICE_REMOTE_TEMPLATE: { score: 15, severity: 'high' },
  OFFICE_EXTERNAL_RELATIONSHIP: { score: 5, severity: 'medium' },
  OFFICE_DANGEROUS_URI: { score: 20, severity: 'high' },
  OFFICE_DDE: { score: 15, severity: 'high' },
  OFFICE_XML_DTD: { score: 15, severity: 'high' },
  OFFICE_XML_TOO_LARGE: { score: 15, severity: 'high' },
};

/**
 * VBA procedures Office runs without the user asking: document events, the
 * legacy Auto* macros, and ActiveX control events that fire when the
 * document renders (the InkPicture/Frame `_Painted`/`_Layout` trick).
 */
export const VBA_AUTOEXEC_NAMES: readonly string[] = [
  'AutoOpen', 'AutoExec', 'AutoNew', 'AutoClose', 'AutoExit',
  'Auto_Open', 'Auto_Close', 'Auto_Activate',
  'Document_Open', 'Document_New', 'Document_Close', 'Document_BeforeClose', 'Document_ContentControlOnEnter',
  'DocumentOpen', 'DocumentBeforeClose', 'NewDocument',
  'Workbook_Open', 'Workbook_Activate', 'Workbook_BeforeClose', 'Workbook_Deactivate', 'Workbook_WindowActivate',
  'App_DocumentOpen', 'App_WorkbookOpen', 'Application_Startup',
  'Presentation_Open', 'AutoShow',
];

/** ActiveX event suffixes that fire on render or focus, as in `Frame1_Layout`. */
export const VBA_AUTOEXEC_EVENT_SUFFIXES: readonly string[] = ['_Layout', '_Painted', '_Resize', '_GotFocus', '_Activate', '_Initialize'];

export interface VbaKeyword {
  /** Text to look for, case-insensitive. */
  readonly text: string;
  /** `word`: bounded by non-identifier characters; `text`: anywhere. */
  readonly match: 'word' | 'text';
  /** Occurrences needed (obfuscation helpers are fine once or twice). */
  readonly min?: number;
}

/** Calls and strings that droppers use: run, download, write, decode, reach native code. */
export const VBA_SUSPICIOUS: readonly VbaKeyword[] = [
  { text: 'Shell', match: 'word' },
  { text: 'WScript.Shell', match: 'text' },
  { text: 'Shell.Application', match: 'text' },
  { text: 'ShellExecute', match: 'word' },
  { text: 'CreateObject', match: 'word' },
  { text: 'GetObject', match: 'word' },
  { text: 'CallByName', match: 'word' },
  { text: 'URLDownloadToFile', match: 'text' },
  { text: 'MSXML2.XMLHTTP', match: 'text' },
  { text: 'ServerXMLHTTP', match: 'text' },
  { text: 'WinHttp.WinHttpRequest', match: 'text' },
  { text: 'Net.WebClient', match: 'text' },
  { text: 'DownloadString', match: 'text' },
  { text: 'DownloadFile', match: 'text' },
  { text: 'ADODB.Stream', match: 'text' },
  { text: 'SaveToFile', match: 'word' },
  { text: 'Scripting.FileSystemObject', match: 'text' },
  { text: 'powershell', match: 'text' },
  { text: 'cmd.exe', match: 'text' },
  { text: 'cmd /c', match: 'text' },
  { text: 'mshta', match: 'text' },
  { text: 'rundll32', match: 'text' },
  { text: 'regsvr32', match: 'text' },
  { text: 'certutil', match: 'text' },
  { text: 'bitsadmin', match: 'text' },
  { text: 'schtasks', match: 'text' },
  { text: 'winmgmts', match: 'text' },
  { text: 'Win32_Process', match: 'text' },
  { text: 'FromBase64String', match: 'text' },
  { text: 'bin.base64', match: 'text' },
  { text: '-EncodedCommand', match: 'text' },
  { text: 'ExecuteExcel4Macro', match: 'word' },
  { text: 'MacroOptions', match: 'word' },
  { text: 'Environ', match: 'word' },
  { text: 'StrReverse', match: 'word' },
  { text: 'VirtualAlloc', match: 'text' },
  { text: 'RtlMoveMemory', match: 'text' },
  { text: 'CreateThread', match: 'text' },
  { text: 'WriteProcessMemory', match: 'text' },
  { text: 'Lib "kernel32', match: 'text' },
  { text: 'Chr', match: 'word', min: 10 },
  { text: 'ChrW', match: 'word', min: 10 },
  { text: 'ChrB', match: 'word', min: 10 },
];

/** Relationship types (the last path segment of `Type`) that load content when the document opens. */
export const REMOTE_LOAD_RELATIONSHIPS: ReadonlySet<string> = new Set(['attachedtemplate', 'oleobject', 'frame', 'subdocument']);

/** Relationship types that are ordinary when external (a link the user may click). */
export const BENIGN_EXTERNAL_RELATIONSHIPS: ReadonlySet<string> = new Set(['hyperlink']);

/**
 * URI schemes in a relationship target that hand control to another program
 * (Follina's `ms-msdt:`, `search-ms:`), force a remote render (`mhtml:`) or
 * leak credentials (`file:`/UNC paths, NTLM). Matched on the lower-cased target.
 */
export const DANGEROUS_URI_PREFIXES: readonly string[] = [
  'ms-msdt:', 'search-ms:', 'search:', 'ms-officecmd:', 'ms-appinstaller:', 'ms-word:', 'ms-excel:', 'ms-powerpoint:',
  'mhtml:', 'mk:@msitstore:', 'its:', 'ms-its:', 'file:', '\\\\', '//', 'javascript:', 'vbscript:', 'hcp:', 'ms-settings:',
];

/** Extensions that make an embedded package file an executable or script (OFFICE_OLE_PACKAGE). */
export const PACKAGE_EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  'exe', 'dll', 'scr', 'com', 'pif', 'cpl', 'msi', 'msp', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js', 'jse',
  'wsf', 'wsh', 'wsc', 'sct', 'hta', 'lnk', 'url', 'jar', 'reg', 'chm', 'inf', 'iso', 'img', 'vhd', 'vhdx', 'xll',
  'application', 'appref-ms', 'settingcontent-ms', 'library-ms', 'scf', 'sh', 'py',
]);

/** Content-type fragments in `[Content_Types].xml` that mark a macro-enabled package. */
export const MACRO_CONTENT_TYPES: readonly string[] = ['macroenabled', 'vbaproject', 'ms-office.activex'];

/** Content types of Excel 4.0 macro sheets inside OOXML. */
export const XLM_CONTENT_TYPES: readonly string[] = ['ms-excel.macrosheet', 'ms-excel.intlmacrosheet'];

/** CLSIDs of embedded object classes with a history of exploitation (Equation Editor 3.0, CVE-2017-11882 / CVE-2018-0802). */
export const EXPLOITED_CLSIDS: Readonly<Record<string, string>> = {
  '0002ce02-0000-0000-c000-000000000046': 'Equation Editor 3.0',
  '0002ce03-0000-0000-c000-000000000046': 'Equation Editor 3.0',
};
