/**
 * Command line of `npm run bench`. Every number is bounded so a typo cannot
 * start a run that outlives the machine's patience.
 */
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { CorpusKind } from './attachment-corpus.js';
import type { SinkKind } from './sink.js';

export interface BenchOptions {
  /** Concurrent SMTP client connections. */
  readonly connections: number;
  /** Messages measured (after the warm-up). */
  readonly messages: number;
  /** Messages sent first and not counted (JIT, worker start, SQLite page cache). */
  readonly warmup: number;
  /** Distinct corpus messages; the run cycles through them. */
  readonly sample: number;
  /** `analysis.workers` of the gateway under test. */
  readonly workers: number;
  /** Hard stop for the whole run, start-up and clean-up included. */
  readonly timeoutSeconds: number;
  /** Print one JSON line on stdout (the table goes to stderr). */
  readonly json: boolean;
  /** The next hop: `raw` greets at once; `smtp-server` waits 100 ms per session (see sink.ts). */
  readonly sink: SinkKind;
  /** Run the gateway with `--cpu-prof` writing `.cpuprofile` files here. */
  readonly cpuProfDir?: string;
  /** The mail sent; absent means `spamassassin` (see attachment-corpus.ts for the others). */
  readonly corpus?: CorpusKind;
  /** Extra operator settings for the gateway (`--set delivery.concurrency=64`), merged over the bench's own. */
  readonly overrides: Readonly<Record<string, unknown>>;
}

export const USAGE = `usage: npm run bench -- [options]
  --connections N   concurrent SMTP connections (default 16)
  --messages N      measured messages (default 2000)
  --warmup N        warm-up messages, not counted (default 200)
  --sample N        distinct corpus messages (default 2000)
  --workers N       analysis.workers of the gateway (default 2)
  --timeout S       hard stop for the whole run in seconds (default 300)
  --sink KIND       next hop: raw (default, greets at once) or smtp-server (100 ms greeting delay)
  --cpu-prof DIR    profile the gateway (node --cpu-prof) into DIR
  --corpus KIND     spamassassin (default), attachments (generated archives and documents) or mixed (50/50)
  --set KEY=VALUE   gateway config setting (dotted key, YAML value), repeatable
  --json            one JSON line on stdout, table on stderr`;

/** An integer option within [min, max], or `fallback` when absent. */
export function boundedInt(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** Parses the bench's arguments; throws with a message naming the bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      connections: { type: 'string' },
      messages: { type: 'string' },
      warmup: { type: 'string' },
      sample: { type: 'string' },
      workers: { type: 'string' },
      timeout: { type: 'string' },
      'cpu-prof': { type: 'string' },
      sink: { type: 'string', default: 'raw' },
      corpus: { type: 'string' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  // Upper bounds: the gateway's per-IP connection limit (50), the corpus size (6046),
  // the schema's worker cap (64), and one hour.
  return {
    connections: boundedInt('connections', values.connections, 16, 1, 50),
    messages: boundedInt('messages', values.messages, 2000, 1, 1_000_000),
    warmup: boundedInt('warmup', values.warmup, 200, 0, 100_000),
    sample: boundedInt('sample', values.sample, 2000, 1, 6046),
    workers: boundedInt('workers', values.workers, 2, 1, 64),
    timeoutSeconds: boundedInt('timeout', values.timeout, 300, 10, 3600),
    json: values.json,
    sink: parseSinkKind(values.sink),
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfDir: values['cpu-prof'] }),
    ...(values.corpus === undefined ? {} : { corpus: parseCorpusKind(values.corpus) }),
    overrides: parseSettings(values.set ?? []),
  };
}

/** Parses `--corpus`. */
export function parseCorpusKind(raw: string): CorpusKind {
  if (raw === 'spamassassin' || raw === 'attachments' || raw === 'mixed') return raw;
  throw new Error('--corpus must be spamassassin, attachments or mixed');
}

function parseSinkKind(raw: string): SinkKind {
  if (raw === 'raw' || raw === 'smtp-server') return raw;
  throw new Error('--sink must be raw or smtp-server');
}

/** Settings beyond this are a script gone wrong, not a tuning experiment. */
const MAX_SETTINGS = 32;
const SETTING = /^([a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*){0,5})=(.*)$/s;

/**
 * `a.b.c=VALUE` pairs to a nested object; VALUE is YAML (`64`, `true`, `defer`,
 * `[a, b]`). The gateway validates the result against its schema at start-up.
 */
export function parseSettings(pairs: readonly string[]): Record<string, unknown> {
  if (pairs.length > MAX_SETTINGS) throw new Error(`at most ${MAX_SETTINGS} --set options`);
  const root: Record<string, unknown> = {};
  for (const pair of pairs) {
    const match = SETTING.exec(pair);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`--set expects KEY=VALUE with a dotted key, got ${pair}`);
    const keys = match[1].split('.');
    const last = keys.pop();
    if (last === undefined) throw new Error(`--set ${pair}: empty key`);
    let node = root;
    for (const key of keys) {
      const next = node[key];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      }
    }
    node[last] = parseYaml(match[2]) as unknown;
  }
  return root;
}
