/**
 * RTF analysis: embedded OLE objects become members (the OLE dissector opens
 * them), exploit object classes, DDE fields and remote templates become
 * findings, and the hiding tricks of exploit kits are reported as such.
 */
import { Buffer } from 'node:buffer';
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { DissectResult, Member } from '../../dissect/dissector.js';
import { createRtfFinding } from './findings.js';
import { guidBytes, parseOle1, parsePackage, readRootClsid } from './ole1.js';
import type { ExploitClass } from './tables.js';
import { DDE_FIELD, EXPLOIT_CLASS_PREFIXES, EXPLOIT_CLSIDS, EXPLOIT_STREAM_NAMES, PACKAGE_CLASSES } from './tables.js';
import { tokenizeRtf } from './tokenize-rtf.js';

const MAX_LISTED = 5;
const CLSID_NEEDLES = [...EXPLOIT_CLSIDS].map(([guid, info]) => ({ bytes: guidBytes(guid), info }));
const STREAM_NEEDLES = [...EXPLOIT_STREAM_NAMES].map(([name, info]) => ({ bytes: Buffer.from(name, 'utf16le'), info }));
const REMOTE = /^\s*(https?:|ftp:|file:|\\\\|\/\/)|:\/\//i;

/** True for content Word opens as RTF: it checks only for `{\rt` at the start. */
export function isRtf(content: Uint8Array): boolean {
  return content[0] === 0x7b && content[1] === 0x5c && content[2] === 0x72 && content[3] === 0x74;
}

/** Scans one RTF document. */
export function scanRtf(content: Uint8Array, path: string, budget: ExpansionBudget): DissectResult {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  const scan = tokenizeRtf(buf.toString('latin1'), buf);
  const findings: Finding[] = [];
  const members: Member[] = [];
  const problems = new Set(scan.problems);
  const classes: string[] = [];
  const exploits = new Map<string, ExploitClass>();
  const packages: string[] = [];

  scan.objects.forEach(({ data, objclass }, index) => {
    const ole = parseOle1(data);
    const names = [objclass, ole.className].filter((n): n is string => n !== undefined && n !== '');
    classes.push(...names);
    for (const name of names) {
      const lower = name.toLowerCase().trim();
      for (const [prefix, info] of EXPLOIT_CLASS_PREFIXES) if (lower.startsWith(prefix)) exploits.set(info.label, info);
    }
    const root = readRootClsid(ole.native);
    const rootInfo = root === undefined ? undefined : EXPLOIT_CLSIDS.get(root);
    if (rootInfo !== undefined) exploits.set(rootInfo.label, rootInfo);
    for (const needle of [...CLSID_NEEDLES, ...STREAM_NEEDLES]) if (ole.native.includes(needle.bytes)) exploits.set(needle.info.label, needle.info);
    if (ole.declaredSize !== undefined) problems.add(`object ${index + 1} declares ${ole.declaredSize} native bytes but holds ${ole.native.length}`);

    const packaged = names.some((n) => PACKAGE_CLASSES.has(n.toLowerCase().trim())) ? parsePackage(ole.native) : undefined;
    budget.chargeEntry();
    if (packaged !== undefined) {
      packages.push(packaged.label);
      budget.chargeBytes(packaged.content.length);
      members.push({ name: packaged.label, kind: 'file', content: packaged.content, declaredSize: packaged.declaredSize });
    } else {
      budget.chargeBytes(ole.native.length);
      const member = { name: `rtf-object-${index + 1}.bin`, kind: 'file' as const, content: ole.native };
      members.push(ole.declaredSize === undefined ? member : { ...member, declaredSize: ole.declaredSize });
    }
  });

  const objectCount = Math.max(scan.objectGroups, scan.objects.length);
  if (objectCount > 0) {
    const listed = classes.length === 0 ? 'no class named' : `classes ${quoteList(classes)}`;
    findings.push(createRtfFinding('RTF_OBJECT', `embeds ${objectCount} OLE object(s), ${listed}`, path));
  }
  if (exploits.size > 0) {
    const list = [...exploits.values()].map((e) => `${e.label} (${e.reference})`).join(', ');
    findings.push(createRtfFinding('RTF_EXPLOIT_OBJECT_CLASS', `embeds an object of an exploited class: ${list}`, path));
  }
  if (packages.length > 0) findings.push(createRtfFinding('RTF_PACKAGE_OBJECT', `embeds packaged file(s) ${quoteList(packages)}`, path));
  if (scan.autoUpdate) findings.push(createRtfFinding('RTF_OBJECT_AUTOUPDATE', 'asks Word to update an object on opening (\\objupdate), which loads it without a click', path));
  const dde = scan.fieldInstructions.filter((f) => DDE_FIELD.test(f));
  if (dde.length > 0) findings.push(createRtfFinding('RTF_DDE', `has a DDE field that runs a program: ${quoteList(dde)}`, path));
  const remote = scan.templates.filter((t) => REMOTE.test(t));
  if (remote.length > 0) findings.push(createRtfFinding('RTF_REMOTE_TEMPLATE', `loads a remote template ${quoteList(remote)}`, path));
  if (scan.obfuscation.size > 0) findings.push(createRtfFinding('RTF_OBFUSCATION', `uses tricks only exploit kits need: ${[...scan.obfuscation].slice(0, MAX_LISTED).map((o) => escapeForDisplay(o, 100)).join('; ')}`, path));
  if (problems.size > 0) findings.push(createRtfFinding('RTF_MALFORMED', `malformed: ${[...problems].slice(0, MAX_LISTED).map((p) => escapeForDisplay(p, 100)).join('; ')}`, path));
  return { members, findings };
}

function quoteList(values: readonly string[]): string {
  const unique = [...new Set(values)];
  const shown = unique.slice(0, MAX_LISTED).map((v) => `"${escapeForDisplay(v, 120)}"`).join(', ');
  return unique.length > MAX_LISTED ? `${shown} and ${unique.length - MAX_LISTED} more` : shown;
}
