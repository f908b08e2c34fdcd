/**
 * The analysis pipeline for one message: MIME tree -> decoded leaf parts ->
 * artifacts (hash, detected type) -> engines -> dissectors, recursively: every
 * member of an archive or document becomes an artifact that goes through the
 * engines and the dissectors again, under one expansion budget per message.
 * Pure and single-threaded; the worker pool runs it off the main thread.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AnalysisResult, Artifact, Finding } from '../core/index.js';
import { computeLureFingerprint, escapeForDisplay } from '../core/index.js';
import type { IndicatorStore } from '../intel/index.js';
import { inspectMemberNames } from './archive/names/index.js';
import type { NamedMember } from './archive/names/index.js';
import { detectType } from './detect-type.js';
import type { DetectedType } from './detect-type.js';
import { BudgetExceededError, createExpansionBudget } from './dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from './dissect/budget.js';
import type { DissectResult, Dissector, DissectSubject, Member } from './dissect/dissector.js';
import { DISSECTORS } from './dissect/registry.js';
import type { Engine, EngineSubject } from './engine.js';
import { createC2Engine } from './engines/c2/index.js';
import { createFileTypeEngine } from './engines/file-type/index.js';
import { matchUrls } from './engines/ioc/index.js';
import { createLnkEngine } from './documents/index.js';
import { inspectSpamContent } from './engines/spam/index.js';
import { isHtml } from './documents/html/index.js';
import { createOfficeEngine, isRelationshipsPart } from './documents/office/index.js';
import { createFindingCollector } from './finding-collector.js';
import type { LinkAnalyzer, ProtectedPerson } from './links/index.js';
import type { FindingCollector } from './finding-collector.js';
import { createPipelineFinding } from './findings.js';
import { DEFAULT_EXPANSION_LIMITS } from './limits.js';
import type { AnalysisLimits } from './limits.js';
import type { MimeLeaf } from './mime/index.js';
import { parseMime } from './mime/index.js';
import { extractPasswords, htmlToText } from './passwords/index.js';
import { createUrlCollector } from './urls/index.js';
import type { UrlCollector, UrlSourceKind } from './urls/index.js';

// Engines run in this order for every artifact. ClamAV, YARA and the rest join here.
export const BUILTIN_ENGINES: readonly Engine[] = [createFileTypeEngine(), createC2Engine(), createOfficeEngine(), createLnkEngine()];
// Artifacts that were listed but not extracted (directories, links, encrypted or over-budget members)
// have no content: size 0 and an empty sha256, so no hash search can match them by accident.
const NO_CONTENT = new Uint8Array(0);
const NOT_EXTRACTED_SHA256 = '';
// Body bytes decoded for password candidates (extractPasswords bounds the characters again).
const PASSWORD_SOURCE_BYTES = 1024 * 1024;
// Body text fingerprinted as the message's lure (campaign clustering): the lure is in the first screens.
const LURE_TEXT_CHARS = 64 * 1024;
// A dissector that throws (not a budget breach) left its container unscanned: quarantine threshold.
const DISSECT_FAIL_SCORE = 15;

/** Replaceable parts of the pipeline; the defaults are the registries. Tests use this to add a failing dissector. */
export interface AnalyzeOptions {
  readonly dissectors?: readonly Dissector[];
  readonly engines?: readonly Engine[];
  /** Indicators the message's URLs are matched against (IOC_URL_MATCH); absent: URLs are only listed. */
  readonly indicators?: IndicatorStore;
  /** The links and impersonation pass (links/), run once per message after the walk; absent: not run. */
  readonly links?: LinkAnalyzer;
  /** Protected people of this message's recipients (their policy), checked by the links pass besides its own. */
  readonly vips?: readonly ProtectedPerson[];
}

interface Walk {
  readonly expansion: ExpansionLimits;
  readonly budget: ExpansionBudget;
  readonly passwords: readonly string[];
  readonly collector: FindingCollector;
  readonly urls: UrlCollector;
  readonly artifacts: Artifact[];
  readonly findings: Finding[];
  readonly dissectors: readonly Dissector[];
  readonly engines: readonly Engine[];
}

/** One artifact to visit: a MIME leaf (depth 0) or a container member (depth >= 1). */
interface Visit {
  readonly path: string;
  /** Absent when the member was listed but not extracted. */
  readonly content?: Uint8Array;
  readonly rawName?: string;
  readonly declaredType: string;
  readonly disposition?: 'inline' | 'attachment';
  readonly depth: number;
  readonly container?: EngineSubject['container'];
  readonly contentId?: string;
  readonly via?: string;
  readonly decrypted?: boolean;
}

/**
 * Analyses one raw message. Never throws on hostile content: malformed input
 * becomes findings, and an unexpected failure becomes ANALYSIS_CRASH (which
 * policy never delivers).
 */
export async function analyzeMessage(raw: Uint8Array, limits: AnalysisLimits, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  if (raw.length > limits.maxMessageBytes) {
    const detail = `message of ${raw.length} bytes exceeds the analysis limit of ${limits.maxMessageBytes} bytes, not analysed`;
    return { headers: {}, artifacts: [], findings: [createPipelineFinding('ANALYSIS_TOO_LARGE', detail)], urls: [], elapsedMs: elapsed() };
  }
  const collector = createFindingCollector();
  const urls = createUrlCollector();
  const artifacts: Artifact[] = [];
  const findings: Finding[] = [];
  try {
    const parsed = await parseMime(raw, limits, collector);
    // Before the walk, which drops each leaf's content once it is done.
    const spam = inspectSpamContent(raw, parsed.leaves);
    findings.push(...spam.findings);
    const lureFingerprint = computeLureFingerprint(parsed.headers.subject, lureText(parsed.leaves));
    const expansion = limits.expansion ?? DEFAULT_EXPANSION_LIMITS;
    const walk: Walk = {
      expansion,
      budget: createExpansionBudget(expansion),
      passwords: extractPasswords(passwordSources(parsed.headers.subject, parsed.leaves)),
      collector,
      urls,
      artifacts,
      findings,
      dissectors: options.dissectors ?? DISSECTORS,
      engines: options.engines ?? BUILTIN_ENGINES,
    };
    // Leaves are dropped one by one as they are done, so a finished subtree's content can be collected.
    const leaves: (MimeLeaf | undefined)[] = [...parsed.leaves];
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i] as MimeLeaf;
      leaves[i] = undefined;
      await visit(walk, {
        path: leaf.path,
        content: leaf.content,
        declaredType: leaf.contentType,
        depth: 0,
        ...(leaf.fileName === undefined ? {} : { rawName: leaf.fileName }),
        ...(leaf.disposition === undefined ? {} : { disposition: leaf.disposition }),
        ...(leaf.contentId === undefined ? {} : { contentId: leaf.contentId }),
      });
    }
    const sightings = urls.sightings();
    findings.push(...urls.findings());
    if (options.indicators !== undefined) findings.push(...matchUrls(options.indicators, sightings));
    if (options.links !== undefined) findings.push(...options.links.analyze({ headers: parsed.headers, urls: sightings, anchors: urls.anchors(), ...(options.vips === undefined ? {} : { vips: options.vips }) }));
    return { headers: parsed.headers, artifacts, findings: [...collector.list(), ...findings], urls: sightings.map((s) => s.url), spamTokens: spam.tokens, ...(lureFingerprint === undefined ? {} : { lureFingerprint }), elapsedMs: elapsed() };
  } catch (err) {
    // Not hostile input (that is handled above) but a bug or an exhausted resource: fail closed.
    const crash = createPipelineFinding('ANALYSIS_CRASH', `analysis failed: ${describeError(err)}`);
    const found = urls.sightings().map((s) => s.url);
    return { headers: {}, artifacts, findings: [...collector.list(), ...findings, crash], urls: found, elapsedMs: elapsed() };
  }
}

/** Types, hashes and scans one artifact, then opens it when a dissector understands it. Returns its artifact. */
async function visit(walk: Walk, node: Visit): Promise<Artifact> {
  const content = node.content ?? NO_CONTENT;
  const detection = node.content === undefined ? {} : await detectType(content);
  if (detection.failure !== undefined) {
    walk.collector.add('FILETYPE_MALFORMED', `content type detection refused the content (${escapeForDisplay(detection.failure, 64)})`, node.path);
  }
  const artifact = buildArtifact(node, detection.detected);
  walk.artifacts.push(artifact);
  const subject: EngineSubject = {
    artifact,
    content,
    depth: node.depth,
    ...(node.rawName === undefined ? {} : { rawName: node.rawName }),
    ...(node.container === undefined ? {} : { container: node.container }),
    ...(node.contentId === undefined ? {} : { contentId: node.contentId }),
    ...(node.via === undefined ? {} : { via: node.via }),
    ...(node.decrypted === true ? { decrypted: true } : {}),
  };
  for (const engine of walk.engines) walk.findings.push(...(await runEngine(engine, subject)));
  if (node.content !== undefined && node.content.length > 0) {
    for (const kind of urlSourceKinds(node, content, detection.detected)) walk.urls.scan(content, kind, node.path);
    await expand(walk, node, node.content, detection.detected, artifact.sha256);
  }
  return artifact;
}

/** Dissects a container and visits its members (depth + 1), charging the message's budget. */
async function expand(walk: Walk, node: Visit, content: Uint8Array, detected: DetectedType | undefined, sha256: string): Promise<void> {
  const subject: DissectSubject = {
    path: node.path,
    content,
    ...(detected === undefined ? {} : { detected }),
    ...(node.rawName === undefined ? {} : { rawName: node.rawName }),
  };
  const dissectors = acceptingDissectors(walk, subject);
  if (dissectors.length === 0) return;
  if (node.depth >= walk.expansion.maxDepth) {
    const names = dissectors.map((d) => d.name).join('/');
    walk.collector.add('NESTING_TOO_DEEP', `a ${names} container at depth ${node.depth} is not opened: nesting limit ${walk.expansion.maxDepth}`, node.path);
    return;
  }
  // Every dissector that understands the bytes opens them: a file that is two
  // formats at once (a polyglot) is analysed under each reading, never just one.
  const readings: { dissector: Dissector; members: Member[] }[] = [];
  for (const dissector of dissectors) {
    const members = await dissectBounded(walk, dissector, subject);
    if (members !== undefined && members.length > 0) readings.push({ dissector, members });
  }
  if (readings.length > 1) {
    walk.collector.add('POLYGLOT_CONTAINER', `the content opens as ${readings.map((r) => r.dissector.name).join(' and ')} at once`, node.path);
  }
  const members = readings.flatMap((r) => r.members);
  if (members.length === 0) return;
  const via = readings.flatMap((r) => r.members.map(() => r.dissector.name));
  // Names are kept (for the name checks and for package-level engine checks); contents are handed out once and dropped.
  const named: NamedMember[] = members.map((m) => ({ name: m.name, kind: m.kind, ...(m.linkTarget === undefined ? {} : { linkTarget: m.linkTarget }) }));
  const container: EngineSubject['container'] = {
    path: node.path,
    memberNames: named.map((m) => m.name),
    sha256,
    ...(detected === undefined ? {} : { detectedType: detected.type, detectedExtension: detected.extension }),
  };
  const slots: (Member | undefined)[] = members;
  for (let i = 0; i < slots.length; i++) {
    const member = slots[i] as Member;
    slots[i] = undefined;
    const extracted = member.kind === 'file' && member.content !== undefined;
    const artifact = await visit(walk, {
      path: `${node.path}/${i + 1}`,
      rawName: member.name,
      declaredType: member.kind === 'file' ? 'application/octet-stream' : `inode/${member.kind}`,
      depth: node.depth + 1,
      container,
      ...(via[i] === undefined ? {} : { via: via[i] }),
      ...(member.openedWithPassword === true ? { decrypted: true } : {}),
      ...(extracted ? { content: member.content } : {}),
    });
    const entry = named[i];
    if (extracted && entry !== undefined) named[i] = { ...entry, sha256: artifact.sha256 };
  }
  for (const issue of inspectMemberNames(named)) walk.collector.add(issue.symbol, issue.reason, `${node.path}/${issue.index + 1}`);
}

function acceptingDissectors(walk: Walk, subject: DissectSubject): Dissector[] {
  const accepting: Dissector[] = [];
  for (const dissector of walk.dissectors) {
    try {
      if (dissector.accepts(subject)) accepting.push(dissector);
    } catch (err) {
      walk.findings.push(dissectFailure(dissector, subject.path, err));
    }
  }
  return accepting;
}

/**
 * Runs the dissector and makes sure every member is paid for: a budget breach
 * becomes ARCHIVE_BOMB / ARCHIVE_TOO_MANY_ENTRIES, any other throw `<NAME>_FAIL`.
 * Members and bytes a dissector did not charge itself (tar hands out views of
 * its input rather than copies) are charged here, so the limits mean the same
 * for every format. Returns undefined when nothing is to be visited.
 */
async function dissectBounded(walk: Walk, dissector: Dissector, subject: DissectSubject): Promise<Member[] | undefined> {
  const { budget } = walk;
  const before = { bytes: budget.usedBytes, entries: budget.usedEntries };
  try {
    const result: DissectResult = await dissector.dissect(subject, { budget, passwords: walk.passwords });
    walk.findings.push(...result.findings);
    if (result.urls !== undefined) walk.urls.addLinks(result.urls, subject.path);
    const bytes = result.members.reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
    for (let n = budget.usedEntries - before.entries; n < result.members.length; n++) budget.chargeEntry();
    const unpaid = bytes - (budget.usedBytes - before.bytes);
    if (unpaid > 0) budget.chargeBytes(unpaid);
    return [...result.members];
  } catch (err) {
    if (err instanceof BudgetExceededError) {
      const symbol = err.kind === 'entries' ? 'ARCHIVE_TOO_MANY_ENTRIES' : 'ARCHIVE_BOMB';
      walk.collector.add(symbol, `${dissector.name} container not opened: ${err.message}`, subject.path);
      return undefined;
    }
    walk.findings.push(dissectFailure(dissector, subject.path, err));
    return undefined;
  }
}

function dissectFailure(dissector: Dissector, path: string, err: unknown): Finding {
  return {
    engine: dissector.name,
    symbol: `${dissector.name.toUpperCase()}_FAIL`,
    score: DISSECT_FAIL_SCORE,
    severity: 'high',
    detail: `part ${path}: ${dissector.name} could not open the container, its members are unscanned: ${describeError(err)}`,
    artifact: path,
  };
}

function buildArtifact(node: Visit, detected: DetectedType | undefined): Artifact {
  const content = node.content;
  return {
    path: node.path,
    declaredType: node.declaredType,
    size: content?.length ?? 0,
    sha256: content === undefined ? NOT_EXTRACTED_SHA256 : createHash('sha256').update(content).digest('hex'),
    ...(node.rawName === undefined ? {} : { declaredName: escapeForDisplay(node.rawName) }),
    ...(node.disposition === undefined ? {} : { disposition: node.disposition }),
    ...(detected === undefined ? {} : { detectedType: detected.type, detectedExtension: detected.extension }),
  };
}

/**
 * How an artifact is searched for URLs: text/plain MIME parts as running text; HTML and SVG as markup
 * wherever they are (declared text/html, or markup by content, as the HTML dissector decides: a .html
 * member of a zip included). A text part that is markup is read both ways.
 */
function urlSourceKinds(node: Visit, content: Uint8Array, detected: DetectedType | undefined): UrlSourceKind[] {
  const kinds: UrlSourceKind[] = [];
  if (node.depth === 0 && node.declaredType === 'text/plain') kinds.push('text');
  const subject = { path: node.path, content, ...(detected === undefined ? {} : { detected }) };
  if (node.declaredType === 'text/html' || isHtml(subject)) kinds.push('html');
  // OOXML `.rels` parts inside a package: their external targets (hyperlinks, remote templates) are links too.
  if (node.depth > 0 && isRelationshipsPart(content)) kinds.push('relationships');
  return kinds;
}

// Subject and text bodies (attachments that are text too: a password is sometimes in a .txt beside the zip).
function passwordSources(subject: string | undefined, leaves: readonly MimeLeaf[]): string[] {
  const texts = subject === undefined ? [] : [subject];
  const decoder = new TextDecoder('utf-8');
  for (const leaf of leaves) {
    if (leaf.contentType !== 'text/plain' && leaf.contentType !== 'text/html') continue;
    const text = decoder.decode(leaf.content.subarray(0, PASSWORD_SOURCE_BYTES));
    texts.push(leaf.contentType === 'text/html' ? htmlToText(text) : text);
  }
  return texts;
}

/**
 * The body text a recipient reads: the text/plain MIME leaves that are not attachments, or the text/html
 * ones as text when there is no plain one (multipart/alternative carries the same text twice; reading one
 * copy keeps the greeting line first, where the fingerprint drops it), at most LURE_TEXT_CHARS characters.
 */
function lureText(leaves: readonly MimeLeaf[]): string {
  const body = leaves.filter((leaf) => leaf.disposition !== 'attachment');
  const plain = body.filter((leaf) => leaf.contentType === 'text/plain');
  const chosen = plain.length > 0 ? plain : body.filter((leaf) => leaf.contentType === 'text/html');
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for (const leaf of chosen) {
    if (text.length >= LURE_TEXT_CHARS) break;
    // UTF-8 has at least one byte per character, so this many bytes give the characters still wanted (HTML is reduced after).
    const decoded = decoder.decode(leaf.content.subarray(0, leaf.contentType === 'text/html' ? 4 * LURE_TEXT_CHARS : LURE_TEXT_CHARS));
    text += `${leaf.contentType === 'text/html' ? htmlToText(decoded) : decoded}\n`;
  }
  return text.slice(0, LURE_TEXT_CHARS);
}

/** Runs one engine; a throw becomes `<ENGINE>_FAIL` so policy sees that the engine did not answer. */
async function runEngine(engine: Engine, subject: EngineSubject): Promise<readonly Finding[]> {
  try {
    return await engine.inspect(subject);
  } catch (err) {
    return [
      {
        engine: engine.name,
        symbol: `${engine.name.toUpperCase()}_FAIL`,
        score: 0,
        severity: 'high',
        detail: `part ${subject.artifact.path}: engine failed: ${describeError(err)}`,
        artifact: subject.artifact.path,
      },
    ];
  }
}

function describeError(err: unknown): string {
  return escapeForDisplay(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 200);
}
