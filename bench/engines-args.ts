/**
 * Command line of `npm run bench:engines`: the same load run once per engine
 * step (engines off, then on), so the cost of each engine shows as a ratio.
 * Every number is bounded, and the whole run has a hard deadline.
 */
import { parseArgs } from 'node:util';
import { boundedInt, parseCorpusKind } from './args.js';
import type { CorpusKind } from './attachment-corpus.js';
import type { ClamavDbOptions } from './clamav-db.js';

/** Cumulative: each step adds one engine to the one before; `all` is yara + intel + clamav. */
export const ENGINE_STEPS = ['off', 'yara', 'intel', 'all', 'sender'] as const;
export type EngineStep = (typeof ENGINE_STEPS)[number];

export interface EnginesBenchOptions {
  readonly connections: number;
  readonly messages: number;
  readonly warmup: number;
  /** Distinct messages; by default warm-up + measured, so no message (and no attachment) is sent twice. */
  readonly sample: number;
  readonly workers: number;
  readonly corpus: CorpusKind;
  readonly steps: readonly EngineStep[];
  /** The synthetic ClamAV database. */
  readonly db: ClamavDbOptions;
  readonly timeoutSeconds: number;
  readonly json: boolean;
}

export const ENGINES_USAGE = `usage: npm run bench:engines -- [options]
  --connections N   concurrent SMTP connections (default 16)
  --messages N      measured messages per step (default 2000)
  --warmup N        warm-up messages per step, not counted (default 200)
  --sample N        distinct messages (default warm-up + messages, at most 6046)
  --workers N       analysis.workers of the gateway (default 2)
  --corpus KIND     spamassassin, attachments or mixed (default mixed: 50/50)
  --steps LIST      comma-separated from off,yara,intel,all,sender (default off,all,sender)
  --db-md5 N        .hdb MD5 signatures (default 1000000)
  --db-sha256 N     .hsb SHA-256 signatures (default 100000)
  --db-body N       .ndb body signatures (default 20000)
  --timeout S       hard stop for the whole run in seconds (default 420)
  --json            one JSON line on stdout, tables on stderr`;

/** Parses `off,all`: known steps, no repeats, kept in the canonical order. */
export function parseSteps(raw: string): EngineStep[] {
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(ENGINE_STEPS as readonly string[]).includes(name)) throw new Error(`--steps: unknown step ${name} (steps: ${ENGINE_STEPS.join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new Error('--steps: a step is named twice');
  return ENGINE_STEPS.filter((step) => names.includes(step));
}

/** Parses the engines bench's arguments; throws with a message naming the bad option. */
export function parseEnginesArgs(argv: readonly string[]): EnginesBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      connections: { type: 'string' },
      messages: { type: 'string' },
      warmup: { type: 'string' },
      sample: { type: 'string' },
      workers: { type: 'string' },
      corpus: { type: 'string', default: 'mixed' },
      steps: { type: 'string', default: 'off,all,sender' },
      'db-md5': { type: 'string' },
      'db-sha256': { type: 'string' },
      'db-body': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const messages = boundedInt('messages', values.messages, 2000, 1, 100_000);
  const warmup = boundedInt('warmup', values.warmup, 200, 0, 10_000);
  // Bounds: the SpamAssassin corpus (6046 files), the gateway's per-IP connection
  // limit (50), and databases up to ten times the default (a few hundred MB on disk).
  return {
    connections: boundedInt('connections', values.connections, 16, 1, 50),
    messages,
    warmup,
    sample: boundedInt('sample', values.sample, Math.min(6046, messages + warmup), 1, 6046),
    workers: boundedInt('workers', values.workers, 2, 1, 64),
    corpus: parseCorpusKind(values.corpus),
    steps: parseSteps(values.steps),
    db: {
      md5Hashes: boundedInt('db-md5', values['db-md5'], 1_000_000, 0, 10_000_000),
      sha256Hashes: boundedInt('db-sha256', values['db-sha256'], 100_000, 0, 1_000_000),
      bodySignatures: boundedInt('db-body', values['db-body'], 20_000, 0, 200_000),
      seed: 20261126,
    },
    timeoutSeconds: boundedInt('timeout', values.timeout, 420, 10, 3600),
    json: values.json,
  };
}
