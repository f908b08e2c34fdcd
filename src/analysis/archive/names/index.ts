/** Member-name checks shared by every container format (see FINDINGS.md). */
export { classifyShellName, describeTraversal, inspectMemberNames, normaliseMemberName } from './inspect-names.js';
export type { MemberNameSymbol, NamedMember, NameIssue, ShellVerdict } from './inspect-names.js';
