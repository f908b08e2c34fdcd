/**
 * ClamAV engine: every artifact with content (MIME parts and archive
 * members alike) is streamed to clamd with zINSTREAM. The engine reports;
 * an outage is the AV_UNAVAILABLE finding, never a throw and never a pass.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { scanBytes } from './client.js';
import type { ClamdTarget, ScanResult } from './client.js';
import { buildClamavFinding, CLAMAV_ENGINE_NAME } from './findings.js';

export interface ClamavEngineOptions {
  /** clamd TCP host (with `port`); ignored when `socketPath` is set. */
  readonly host?: string;
  readonly port?: number;
  /** clamd Unix socket (LocalSocket); preferred over host/port when set. */
  readonly socketPath?: string;
  /** Deadline of one artifact's scan (connect, send, reply), in ms. */
  readonly timeoutMs: number;
  /** Deadline of the connect alone, in ms; defaults to timeoutMs. */
  readonly connectTimeoutMs?: number;
  /** Must not exceed clamd's StreamMaxLength: bigger artifacts are not sent and give CLAMAV_TOO_LARGE. */
  readonly maxStreamBytes: number;
  /** `uncovered` (default): skip members clamd already saw inside a container it unpacks itself; `all`: send every member. */
  readonly members?: 'uncovered' | 'all';
}

/**
 * Containers clamd opens itself when it gets them whole (its own zip, tar,
 * gzip, bzip2, xz and OLE2 unpackers): their members need not be sent again.
 * Not here: formats clamd does not open (UDF, OneNote extraction, HTML
 * smuggling, our libarchive readings), whose members only we can show it.
 */
const CLAMD_UNPACKS: ReadonlySet<string> = new Set(['zip', 'tar', 'gzip', 'bzip2', 'xz', 'ole']);
// Inside clamd's defaults (MaxFileSize 25 MB, MaxRecursion 17): a bigger or deeper member
// may not have been scanned inside its container, so it is sent on its own.
const COVERED_MAX_BYTES = 16 * 1024 * 1024;
const COVERED_MAX_DEPTH = 16;

// Signature names come from the database, but a hostile clamd (or a MITM on TCP) could send anything.
const SIGNATURE_DISPLAY_CHARS = 200;
const REASON_DISPLAY_CHARS = 300;

/** Resolves host/port/socketPath into one target; throws on an incomplete config (a wiring bug, caught at start-up). */
export function resolveClamdTarget(options: Pick<ClamavEngineOptions, 'host' | 'port' | 'socketPath'>): ClamdTarget {
  if (options.socketPath !== undefined) return { socketPath: options.socketPath };
  if (options.port === undefined) throw new Error('clamav: set socketPath or port');
  return { host: options.host ?? '127.0.0.1', port: options.port };
}

/**
 * Creates the ClamAV engine. Members of a container clamd scanned whole and
 * unpacks itself are not sent again (`members: 'uncovered'`). Identical content is scanned once: results are
 * remembered by sha256 for a few hundred artifacts and a few seconds (a
 * message repeats the same logo, or the same member in nested archives);
 * short enough that a signature update applies to the next messages.
 * Outages are not remembered, so the next artifact tries again.
 */
export function createClamavEngine(options: ClamavEngineOptions): Engine {
  const target = resolveClamdTarget(options);
  const callOptions = { timeoutMs: options.timeoutMs, ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }) };
  const recent = new Map<string, { readonly result: ScanResult; readonly at: number }>();
  // Contents clamd has seen, whole or inside a container it scanned (sha256 → when): a
  // member of one of these that clamd unpacks itself is already covered by that scan.
  const covered = new Map<string, number>();
  const isCovered = (subject: EngineSubject): boolean => {
    const { container, via, depth = 0 } = subject;
    if (options.members === 'all' || container?.sha256 === undefined || via === undefined) return false;
    if (!CLAMD_UNPACKS.has(via) || subject.decrypted === true || depth > COVERED_MAX_DEPTH || subject.content.length > COVERED_MAX_BYTES) return false;
    const at = covered.get(container.sha256);
    return at !== undefined && Date.now() - at < RECENT_TTL_MS;
  };
  const cover = (sha256: string): void => {
    if (sha256 === '') return;
    covered.delete(sha256);
    const oldest = covered.keys().next();
    if (covered.size >= RECENT_LIMIT && oldest.done !== true) covered.delete(oldest.value);
    covered.set(sha256, Date.now());
  };
  return {
    name: CLAMAV_ENGINE_NAME,
    async inspect(subject) {
      const { artifact, content } = subject;
      // Nothing to scan: an empty part, or a member that was listed but not extracted.
      if (content.length === 0) return [];
      if (isCovered(subject)) {
        cover(artifact.sha256);
        return [];
      }
      if (content.length > options.maxStreamBytes) {
        const detail = `${content.length} bytes exceed the ClamAV stream limit of ${options.maxStreamBytes} bytes, not AV-scanned`;
        return [buildClamavFinding('CLAMAV_TOO_LARGE', detail, artifact.path)];
      }
      const key = artifact.sha256;
      const cached = key === '' ? undefined : recent.get(key);
      let result = cached !== undefined && Date.now() - cached.at < RECENT_TTL_MS ? cached.result : undefined;
      if (result === undefined) {
        result = await scanBytes(target, content, callOptions);
        if (result.status !== 'unavailable' && key !== '') remember(recent, key, result);
      }
      if (result.status === 'clean' || result.status === 'found') cover(key);
      return findingsOf(result, content.length, options.maxStreamBytes, artifact.path);
    },
  };
}

// Bounded so a long-lived worker's engine does not grow, and short-lived so a database reload applies.
const RECENT_LIMIT = 256;
const RECENT_TTL_MS = 10_000;

function remember(recent: Map<string, { readonly result: ScanResult; readonly at: number }>, key: string, result: ScanResult): void {
  recent.delete(key);
  // A Map iterates in insertion order: the first key is the oldest.
  const oldest = recent.keys().next();
  if (recent.size >= RECENT_LIMIT && oldest.done !== true) recent.delete(oldest.value);
  recent.set(key, { result, at: Date.now() });
}

function findingsOf(result: ScanResult, size: number, limit: number, path: string): readonly Finding[] {
  switch (result.status) {
    case 'clean':
      return [];
    case 'found':
      return [buildClamavFinding('CLAMAV_VIRUS', `ClamAV found ${escapeForDisplay(result.signature, SIGNATURE_DISPLAY_CHARS)}`, path)];
    case 'too-large':
      return [buildClamavFinding('CLAMAV_TOO_LARGE', `clamd refused ${size} bytes as over its StreamMaxLength (maxStreamBytes is ${limit}), not AV-scanned`, path)];
    case 'unavailable':
      return [buildClamavFinding('AV_UNAVAILABLE', `ClamAV unavailable, not AV-scanned: ${escapeForDisplay(result.reason, REASON_DISPLAY_CHARS)}`, path)];
  }
}
