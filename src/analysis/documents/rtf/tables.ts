/**
 * Detection data of the RTF dissector: OLE object classes and CLSIDs that
 * mailed RTF documents carry only to exploit a component. Edit here, not in
 * the code. Class names match case-insensitively by prefix.
 */

export interface ExploitClass {
  readonly label: string;
  readonly reference: string;
}

/** `\objclass` / OLE1 ClassName prefixes (lower-case). */
export const EXPLOIT_CLASS_PREFIXES: ReadonlyMap<string, ExploitClass> = new Map([
  ['equation', { label: 'Equation Editor', reference: 'CVE-2017-11882, CVE-2018-0802' }],
  ['ole2link', { label: 'OLE2Link (URL moniker)', reference: 'CVE-2017-0199' }],
  ['htmlfile', { label: 'htmlfile', reference: 'CVE-2017-0199' }],
  ['scriptlet', { label: 'scriptlet', reference: 'CVE-2017-8570' }],
  ['script:', { label: 'script moniker', reference: 'CVE-2017-8570' }],
  ['mscomctllib.', { label: 'MSCOMCTL ActiveX', reference: 'CVE-2012-0158' }],
  ['otkloadr.', { label: 'otkloadr (ASLR bypass)', reference: 'CVE-2015-1641 chains' }],
  ['shell.explorer', { label: 'Shell.Explorer', reference: 'embedded browser' }],
  ['shockwaveflash.', { label: 'Shockwave Flash', reference: 'Flash exploits' }],
]);

/** Class names that drop a file (OLE Packager): a lure, not a component exploit. */
export const PACKAGE_CLASSES: ReadonlySet<string> = new Set(['package']);

/** CLSIDs (canonical lower-case) found as an OLE root entry or anywhere in native data. */
export const EXPLOIT_CLSIDS: ReadonlyMap<string, ExploitClass> = new Map([
  ['0002ce02-0000-0000-c000-000000000046', { label: 'Equation Editor 3.0', reference: 'CVE-2017-11882, CVE-2018-0802' }],
  ['0002ce03-0000-0000-c000-000000000046', { label: 'Equation Editor', reference: 'CVE-2017-11882' }],
  ['00021700-0000-0000-c000-000000000046', { label: 'Equation Editor 2.0', reference: 'CVE-2017-11882' }],
  ['0003000b-0000-0000-c000-000000000046', { label: 'Equation', reference: 'CVE-2017-11882' }],
  ['0004a6b0-0000-0000-c000-000000000046', { label: 'Equation 2.0', reference: 'CVE-2017-11882' }],
  ['00000300-0000-0000-c000-000000000046', { label: 'StdOleLink', reference: 'CVE-2017-0199' }],
  ['79eac9e0-baf9-11ce-8c82-00aa004ba90b', { label: 'URL moniker', reference: 'CVE-2017-0199' }],
  ['25336920-03f9-11cf-8fd0-00aa00686f13', { label: 'htmlfile', reference: 'CVE-2017-0199' }],
  ['06290bd2-48aa-11d2-8432-006008c3fbfc', { label: 'scriptlet typelib', reference: 'CVE-2017-8570' }],
  ['06290bd3-48aa-11d2-8432-006008c3fbfc', { label: 'script moniker', reference: 'CVE-2017-8570' }],
  ['bdd1f04b-858b-11d1-b16a-00c0f0283628', { label: 'MSCOMCTL.ListViewCtrl.2', reference: 'CVE-2012-0158' }],
  ['996bf5e0-8044-4650-adeb-0b013914e99c', { label: 'MSCOMCTL.ListViewCtrl', reference: 'CVE-2012-0158' }],
  ['d27cdb6e-ae6d-11cf-96b8-444553540000', { label: 'Shockwave Flash', reference: 'Flash exploits' }],
]);

/** Stream names (UTF-16LE in an OLE file) that identify an exploit component whatever the class says. */
export const EXPLOIT_STREAM_NAMES: ReadonlyMap<string, ExploitClass> = new Map([
  ['Equation Native', { label: 'Equation Editor stream', reference: 'CVE-2017-11882, CVE-2018-0802' }],
]);

/** Field instructions that run a program (DDE) or fetch remote content. */
export const DDE_FIELD = /^[\s\\"]*dde(auto)?\b/i;
