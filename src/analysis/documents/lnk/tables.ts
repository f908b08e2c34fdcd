/**
 * Detection data of the shortcut engine: programs a mailed shortcut has no
 * business starting (command interpreters and living-off-the-land binaries
 * that download or run code), and icon files that make a shortcut look like
 * a document. Edit here, not in the code.
 */

/** Program base names without extension, lower-case. */
export const LNK_COMMAND_PROGRAMS: ReadonlySet<string> = new Set([
  'cmd', 'powershell', 'powershell_ise', 'pwsh', 'mshta', 'rundll32', 'regsvr32', 'wscript', 'cscript',
  'curl', 'bitsadmin', 'certutil', 'msiexec', 'wmic', 'forfiles', 'conhost', 'schtasks', 'hh', 'cmstp',
  'msbuild', 'installutil', 'regasm', 'regsvcs', 'odbcconf', 'pcalua', 'scriptrunner', 'bash', 'wsl', 'sh',
  'ftp', 'finger', 'msxsl', 'mavinject', 'certreq', 'control', 'syncappvpublishingserver',
  'msdt', 'extrac32', 'esentutl', 'appinstaller', 'winget', 'python', 'pythonw', 'node', 'java', 'javaw',
]);

/** Extensions the command may carry in a path (`cmd.exe`, `script.vbs` is not a program name). */
export const PROGRAM_EXTENSIONS: ReadonlySet<string> = new Set(['', 'exe', 'com']);

/** Icon sources that dress a shortcut up as a document. */
export const DECOY_ICON_EXTENSIONS: ReadonlySet<string> = new Set([
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'txt', 'jpg', 'jpeg', 'png', 'gif', 'zip', 'html', 'htm',
]);

// Explorer's Properties dialog shows about this many characters of "Target"; anything beyond is hidden.
export const VISIBLE_ARGUMENT_CHARS = 260;
// A whitespace run this long has no purpose but to push the real command out of view.
export const PADDING_RUN = 40;
