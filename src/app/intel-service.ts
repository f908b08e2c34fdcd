/**
 * Keeps the indicators in force on this node: the configured files (loaded
 * once, bad lines logged) joined by the indicators kept in the database.
 * The active database indicators are written to a snapshot CSV
 * (`<dataDir>/intel/database.csv`: temp file, fsync, rename) that the
 * analysis workers load like any configured file, and merged into the
 * main thread's store for envelope matching. A change made through this
 * node's API applies before the call returns; one made on another node or
 * by the CLI is found by polling the store's generation every
 * `intel.refreshSeconds` (one small query). Also implements the admin API's
 * indicator port: validation and normalisation with `intel/`.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { MoatError, SEVERITIES, type Severity } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import {
  createIndicatorStore,
  CSV_COLUMNS,
  CSV_OPTIONAL_COLUMNS,
  hasIntelSources,
  INDICATOR_TYPES,
  loadIntelSources,
  normaliseValue,
  type Indicator,
  type IndicatorStore,
  type IndicatorType,
} from '../intel/index.js';
import { MAX_UPSERT_ROWS, type IndicatorInput, type IndicatorRecord, type IndicatorsStore } from '../storage/index.js';
import { parseFeed, storeIndicatorRows } from './intel-import.js';
import type { IndicatorRejection, IndicatorSubmission, IndicatorView, IndicatorWriteResult, IntelPort } from '../web/index.js';
import { intelSources, type DatabaseIntel } from './analysis-options.js';

/** The snapshot's header: the loader's columns, then the optional ones it accepts, in the order snapshotLine writes. */
const SNAPSHOT_HEADER = [...CSV_COLUMNS, ...CSV_OPTIONAL_COLUMNS].join(',');
/** Bad lines listed back per import; the loader stops reporting at 1,000 too. */
const MAX_REJECTIONS = 1000;
const DEFAULT_CONFIDENCE = 80;
const DEFAULT_SEVERITY: Severity = 'high';
/** Source of indicators added over the API without one. */
const DEFAULT_API_SOURCE = 'manual';
const DEFAULT_IMPORT_SOURCE = 'import';

export interface IntelService {
  /** The main thread's store (files and database) for envelope matching; undefined when there are no indicators at all. */
  matcher(): IndicatorStore | undefined;
  /** The database snapshot for the workers; undefined when the database holds no active indicator. */
  database(): DatabaseIntel | undefined;
  /** Calls `listener` after each change applied (the gateway hands the workers new engine settings). */
  onChange(listener: () => void): void;
  /** Re-reads the database now when it changed; resolves once a refresh that started after this call is over. */
  refresh(): Promise<void>;
  /** The admin API's port. */
  readonly port: IntelPort;
  /**
   * Stores parsed indicator rows (a feed poll's) in one transaction, as an import does, and puts them in force here
   * before resolving. INDICATOR_INVALID refuses all of them (nothing stored).
   */
  importRows(rows: readonly IndicatorInput[], by: string): Promise<{ added: number; updated: number }>;
  /** Stops polling; waits for a refresh in flight. */
  stop(): Promise<void>;
}

export interface IntelServiceOptions {
  readonly config: MoatConfig;
  readonly store: IndicatorsStore;
  readonly logger: Logger;
  readonly now?: () => Date;
  /**
   * Called after every store of new or updated indicators (API add, API import, feed rows), with what was
   * stored: the retro-hunt queues a hunt for exactly those. Must not throw or block (it only queues).
   */
  readonly onStored?: (indicators: readonly { type: string; value: string }[], trigger: 'api' | 'import' | 'feed', by: string) => void;
}

function isIndicatorType(text: string): text is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(text);
}

function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

/** A stored row as the engines take it; a row whose type this release does not know is left out. */
function toIndicator(row: IndicatorRecord): Indicator | undefined {
  if (!isIndicatorType(row.type)) return undefined;
  return {
    value: row.value,
    type: row.type,
    source: row.source,
    confidence: row.confidence,
    severity: row.severity,
    firstSeen: Date.parse(row.firstSeen),
    lastSeen: Date.parse(row.lastSeen),
    ...(row.expiresAt === undefined ? {} : { expiresAt: Date.parse(row.expiresAt) }),
    ...(row.actor === undefined ? {} : { actor: row.actor }),
    ...(row.campaign === undefined ? {} : { campaign: row.campaign }),
    ...(row.description === undefined ? {} : { description: row.description }),
  };
}

/** One CSV field (RFC 4180). The loader has no multi-line fields: line breaks in free text become spaces. */
function csvField(text: string): string {
  const flat = text.replace(/[\r\n]+/gu, ' ');
  return /[",]/u.test(flat) || flat !== flat.trim() ? `"${flat.replace(/"/gu, '""')}"` : flat;
}

const isoOf = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

/** The snapshot line of one indicator, in SNAPSHOT_HEADER's order. */
function snapshotLine(i: Indicator): string {
  return [i.type, i.value, i.source, String(i.confidence), i.severity, isoOf(i.expiresAt), i.description ?? '', i.actor ?? '', i.campaign ?? '', isoOf(i.firstSeen), isoOf(i.lastSeen)].map(csvField).join(',');
}

/**
 * Writes the snapshot durably: a reader (a worker loading its engines) sees the old file or the new one, never half
 * of one. Refused when the workers could not read it (over `intel.maxFileBytes`): the indicators in force stay.
 */
async function writeSnapshot(path: string, indicators: readonly Indicator[], maxBytes: number): Promise<void> {
  const text = `${SNAPSHOT_HEADER}\n${indicators.map((i) => `${snapshotLine(i)}\n`).join('')}`;
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) throw new MoatError('INTEL_SNAPSHOT_TOO_LARGE', `the database indicators take ${String(bytes)} bytes as CSV, more than intel.maxFileBytes (${String(maxBytes)})`);
  const temp = `${path}.${process.pid}.tmp`;
  const file = await open(temp, 'w', 0o640);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

function toView(row: IndicatorRecord, now: Date): IndicatorView {
  return { ...row, active: row.expiresAt === undefined || row.expiresAt > now.toISOString() };
}

/** A client's time (ISO 8601) in epoch ms; undefined when absent, NaN when not a date. */
function parseTime(text: string | undefined): number | undefined {
  return text === undefined || text.trim() === '' ? undefined : Date.parse(text);
}

/** Validates and normalises one submitted indicator (the same rules as the file loaders). */
function checkSubmission(s: IndicatorSubmission): IndicatorInput | string {
  if (!isIndicatorType(s.type)) return `unknown type "${s.type.slice(0, 40)}"`;
  // The loaders read one line per indicator: a value spanning lines could not be written to the snapshot.
  if (/[\r\n]/u.test(s.value)) return 'value must be one line';
  const normal = normaliseValue(s.type, s.value);
  if (!normal.ok) return normal.reason;
  const severity = s.severity ?? DEFAULT_SEVERITY;
  if (!isSeverity(severity)) return `severity must be one of ${SEVERITIES.join(', ')}`;
  const confidence = s.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100) return 'confidence must be an integer 0-100';
  const times: Record<'expiresAt' | 'firstSeen' | 'lastSeen', number | undefined> = { expiresAt: parseTime(s.expiresAt), firstSeen: parseTime(s.firstSeen), lastSeen: parseTime(s.lastSeen) };
  for (const [name, value] of Object.entries(times)) if (value !== undefined && Number.isNaN(value)) return `${name} is not an ISO 8601 date`;
  const text = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const source = text(s.source) ?? DEFAULT_API_SOURCE;
  return {
    type: s.type,
    value: normal.value,
    source,
    confidence,
    severity,
    ...(text(s.description) === undefined ? {} : { description: text(s.description) as string }),
    ...(text(s.actor) === undefined ? {} : { actor: text(s.actor) as string }),
    ...(text(s.campaign) === undefined ? {} : { campaign: text(s.campaign) as string }),
    ...(times.expiresAt === undefined ? {} : { expiresAt: times.expiresAt }),
    ...(times.firstSeen === undefined ? {} : { firstSeen: times.firstSeen }),
    ...(times.lastSeen === undefined ? {} : { lastSeen: times.lastSeen }),
  };
}

/** Loads the configured files, then the database, and starts polling. Throws when the first database read fails. */
export async function startIntelService(options: IntelServiceOptions): Promise<IntelService> {
  const { config, store, logger } = options;
  const now = options.now ?? (() => new Date());
  const snapshotPath = join(config.dataDir, 'intel', 'database.csv');
  await mkdir(join(config.dataDir, 'intel'), { recursive: true, mode: 0o750 });

  // The files are loaded once here (bad lines logged once); the workers load their own copies.
  const sources = intelSources(config);
  let fileIndicators: readonly Indicator[] = [];
  if (hasIntelSources(sources)) {
    const { store: files, errors } = await loadIntelSources(sources);
    for (const error of errors) logger.warn({ file: error.file, line: error.line, reason: error.reason }, 'indicator line skipped');
    fileIndicators = files.toSnapshot().indicators;
    logger.info({ indicators: fileIndicators.length, skipped: errors.length }, 'indicators loaded');
  }

  let matcher: IndicatorStore | undefined = hasIntelSources(sources) ? createIndicatorStore(fileIndicators) : undefined;
  let database: DatabaseIntel | undefined;
  let applied: number | undefined;
  const listeners: (() => void)[] = [];

  const apply = async (): Promise<void> => {
    const generation = await store.generation();
    if (generation === applied) return;
    const rows = await store.active(now());
    const indicators = rows.map(toIndicator).filter((i): i is Indicator => i !== undefined);
    // Written even when empty (and then left out of the sources): a worker still building from the previous settings reads a valid file.
    await writeSnapshot(snapshotPath, indicators, config.intel.maxFileBytes);
    matcher = indicators.length > 0 ? createIndicatorStore([...fileIndicators, ...indicators]) : hasIntelSources(sources) ? createIndicatorStore(fileIndicators) : undefined;
    const changed = applied !== undefined;
    database = indicators.length > 0 ? { path: snapshotPath, generation } : undefined;
    applied = generation;
    logger.info({ generation, indicators: indicators.length }, 'database indicators in force');
    if (changed) for (const listener of listeners) listener();
  };

  await apply();

  let stopped = false;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  // Single flight: a call while a refresh runs queues one more, because that refresh may have read the generation before the change committed.
  const refresh = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running === undefined) {
      running = apply().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return refresh();
      });
    return queued;
  };

  const timer = setInterval(() => {
    refresh().catch((error: unknown) => logger.warn({ err: error, inForce: applied }, 'database indicator refresh failed; the indicators in force stay'));
  }, config.intel.refreshSeconds * 1000);
  timer.unref();

  /** After a write on this node: in force here before the API answers; a failed refresh is logged and the poll retries. */
  const applyNow = async (): Promise<void> => {
    await refresh().catch((error: unknown) => logger.warn({ err: error }, 'database indicator refresh failed after a change; the next poll retries'));
  };

  const port: IntelPort = {
    async list(query) {
      const at = now();
      const rows = await store.list({
        at,
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.source === undefined ? {} : { source: query.source }),
        ...(query.search === undefined ? {} : { search: query.search }),
        ...(query.active === undefined ? {} : { active: query.active }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.beforeId === undefined ? {} : { beforeId: query.beforeId }),
      });
      return rows.map((row) => toView(row, at));
    },

    async add(submissions, by) {
      const rows: IndicatorInput[] = [];
      const rejected: IndicatorRejection[] = [];
      submissions.forEach((submission, index) => {
        const checked = checkSubmission(submission);
        if (typeof checked === 'string') rejected.push({ index, reason: checked });
        else rows.push(checked);
      });
      if (rows.length === 0) return { added: 0, updated: 0, rejected };
      const result = await store.upsert(rows, { by, at: now() });
      await applyNow();
      options.onStored?.(rows, 'api', by);
      return { added: result.added, updated: result.updated, rejected };
    },

    async importFeed(input, { by, source, format, listType }) {
      const parsed = parseFeed(format, input, { label: `${format} import`, source: source ?? DEFAULT_IMPORT_SOURCE, ...(listType === undefined ? {} : { listType }) });
      // CSV and list lines are "rejected" (by line), STIX/MISP parts "problems" (by object); each list capped, flagged when cut.
      const lines = parsed.problems.filter((p) => p.line !== undefined);
      const objects = parsed.problems.filter((p) => p.line === undefined);
      const listed = {
        rejected: lines.slice(0, MAX_REJECTIONS).map((p) => ({ line: p.line ?? 0, reason: p.reason })),
        ...(lines.length > MAX_REJECTIONS ? { rejectedTruncated: true } : {}),
        problems: objects.slice(0, MAX_REJECTIONS).map((p) => (p.object === undefined ? { reason: p.reason } : { object: p.object, reason: p.reason })),
        ...(objects.length > MAX_REJECTIONS ? { problemsTruncated: true } : {}),
      };
      const answer = (refused: string): IndicatorWriteResult => ({ added: 0, updated: 0, ...listed, refused });
      if (!parsed.ok) return answer(parsed.refused);
      // One transaction per API import: a bigger feed goes through `moat intel import`, which stores it in parts and says so.
      if (parsed.rows.length > MAX_UPSERT_ROWS) return answer(`more than ${String(MAX_UPSERT_ROWS)} indicators; split the file`);
      const { rows } = parsed;
      let result: { added: number; updated: number };
      try {
        result = await storeIndicatorRows(store, rows, { by, at: now() });
      } catch (error) {
        // A row the parser accepts but storage bounds (a source over 200 characters): the whole import is refused, said so.
        if (error instanceof MoatError && error.code === 'INDICATOR_INVALID') return answer(error.message);
        throw error;
      }
      await applyNow();
      options.onStored?.(rows, 'import', by);
      return { added: result.added, updated: result.updated, ...listed } satisfies IndicatorWriteResult;
    },

    async expire(id) {
      const at = now();
      if (!(await store.expire(id, at))) return undefined;
      await applyNow();
      const row = await store.get(id);
      return row === undefined ? undefined : toView(row, at);
    },
  };

  return {
    matcher: () => matcher,
    database: () => database,
    onChange: (listener) => {
      listeners.push(listener);
    },
    refresh,
    port,
    async importRows(rows, by) {
      const result = await storeIndicatorRows(store, rows, { by, at: now() });
      await applyNow();
      options.onStored?.(rows, 'feed', by);
      return result;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await queued?.catch(() => undefined);
      await running?.catch(() => undefined);
    },
  };
}
