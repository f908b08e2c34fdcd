/**
 * One benchmark run: sink up, gateway process up, C connections open,
 * warm-up, drain, measured phase, wait for the sink to receive everything
 * the gateway queued, read memory and CPU, tear down. Tear-down happens on
 * every path, including an abort from the hard deadline.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchOptions } from './args.js';
import { attachmentsOnly, generateAttachmentCorpus, mixCorpora, type CorpusKind, type MixedSample } from './attachment-corpus.js';
import { loadCorpusSample } from './corpus.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { LoadConnection } from './load-client.js';
import { startCountingSink, type CountingSink, type SinkKind } from './sink.js';
import { countQueued, parseVerdictCounts, subtractCounts, summarise, type LatencySummary } from './stats.js';

export interface BenchResult {
  readonly machine: { readonly nproc: number; readonly cpu: string; readonly node: string };
  readonly settings: {
    readonly connections: number;
    readonly messages: number;
    readonly warmup: number;
    readonly analysisWorkers: number;
    /** The spool fsyncs every message before 250; there is no switch to turn it off. */
    readonly fsync: 'always';
    /** Next hop kind. */
    readonly sink: SinkKind;
    /** `--set` settings of this run. */
    readonly overrides: Readonly<Record<string, unknown>>;
  };
  readonly corpus: {
    readonly kind: CorpusKind;
    readonly messages: number;
    /** Generated attachment messages in the sample, and how many of them carry EICAR. */
    readonly attachments: number;
    readonly eicar: number;
    readonly ham: number;
    readonly spam: number;
    readonly meanBytes: number;
    readonly skipped: number;
    /** SHA-256 of the sample as sent: equal digests, equal input. */
    readonly sha256: string;
  };
  /** Measured transactions answered 250 to DATA. */
  readonly accepted: number;
  /** Measured transactions not answered 250, by final reply code (or `error` for a broken connection). */
  readonly refused: Readonly<Record<string, number>>;
  /** First write of the measured phase to the last reply of it. */
  readonly wallSeconds: number;
  readonly messagesPerSecond: number;
  /** Write of the final `.` to the reply to it, in ms, measured 250s only. */
  readonly dataLatencyMs: LatencySummary;
  /** Verdicts of the measured phase, from the gateway's own metrics. */
  readonly verdicts: Readonly<Record<string, number>>;
  readonly endToEnd: {
    /** Deliveries the sink must see: measured messages with a deliver or tag verdict. */
    readonly expected: number;
    readonly delivered: number;
    readonly complete: boolean;
    /** Start of the measured phase to the sink's last delivery. */
    readonly seconds: number;
    /** Last DATA reply to the sink's last delivery: the queue backlog. */
    readonly drainSeconds: number;
  };
  readonly gateway: {
    /** VmHWM at the end of the run (whole process, worker threads included). */
    readonly peakRssMb: number;
    /** Gateway CPU while the measured messages came in, in cores (2.0 = both cores of this machine busy). */
    readonly cpuCoresIntake: number;
    /** Gateway CPU from the start of the measured phase to the sink's last delivery, in cores. */
    readonly cpuCoresEndToEnd: number;
  };
  /** CPU of this process (load generator and sink) while the measured messages came in, in cores. */
  readonly loadGeneratorCpuCores: number;
}

/** Generous for one reply: the analysis budget is 15 s and fsync on a busy disk can stall. */
const REPLY_TIMEOUT_MS = 60_000;
/** Broken connections a client may replace before the run is declared failed. */
const MAX_RECONNECTS = 10;
const SENDER = 'bench@client.example.net';
const HELO = 'client.example.net';

interface Phase {
  readonly first: number;
  readonly count: number;
  readonly latencies: number[];
  readonly refused: Record<string, number>;
  accepted: number;
  next: number;
  lastReplyAt: number;
}

/**
 * Runs `phase` on every client: each takes the next sequence number until the
 * phase is used up. Message k is corpus message k mod sample size, sent to
 * user<k>@example.test, so a run is the same sequence every time.
 */
async function runPhase(clients: Array<LoadConnection | undefined>, port: number, sample: MixedSample, phase: Phase, signal: AbortSignal): Promise<void> {
  let reconnects = 0;
  await Promise.all(
    clients.map(async (_, slot) => {
      while (phase.next < phase.first + phase.count) {
        signal.throwIfAborted();
        const k = phase.next++;
        const message = sample.messages[k % sample.messages.length];
        if (message === undefined) throw new Error('empty corpus sample');
        let client = clients[slot];
        if (client === undefined) {
          client = await LoadConnection.open({ port, replyTimeoutMs: REPLY_TIMEOUT_MS, heloName: HELO });
          clients[slot] = client;
        }
        try {
          const result = await client.send({ from: SENDER, recipient: `user${k}@example.test`, wire: message.wire, eightBit: message.eightBit });
          phase.lastReplyAt = performance.now();
          if (result.code === 250 && result.latencyMs !== undefined) {
            phase.accepted++;
            phase.latencies.push(result.latencyMs);
          } else {
            phase.refused[String(result.code)] = (phase.refused[String(result.code)] ?? 0) + 1;
          }
        } catch (error) {
          // A dropped connection is a result worth reporting, then replaced.
          phase.lastReplyAt = performance.now();
          phase.refused.error = (phase.refused.error ?? 0) + 1;
          client.destroy();
          clients[slot] = undefined;
          if (++reconnects > MAX_RECONNECTS) throw new Error('too many broken SMTP connections', { cause: error });
        }
      }
    }),
  );
}

function newPhase(first: number, count: number): Phase {
  return { first, count, latencies: [], refused: {}, accepted: 0, next: first, lastReplyAt: performance.now() };
}

async function verdictCounts(gateway: GatewayProcess): Promise<Record<string, number>> {
  return parseVerdictCounts(await gateway.metrics());
}

/** Seed of the generated attachment corpus: fixed, so every run sends the same bytes. */
export const ATTACHMENT_SEED = 4;

/**
 * The sample `options.corpus` names, `options.sample` messages in all: the
 * SpamAssassin files, the generated attachment mail, or half of each.
 */
export async function loadBenchSample(options: Pick<BenchOptions, 'corpus' | 'sample'>): Promise<MixedSample> {
  const maxBytes = 1024 * 1024;
  switch (options.corpus ?? 'spamassassin') {
    case 'spamassassin': {
      const sample = await loadCorpusSample({ size: options.sample, maxBytes });
      return { ...sample, kind: 'spamassassin', attachments: 0, eicar: 0 };
    }
    case 'attachments':
      return attachmentsOnly(generateAttachmentCorpus({ size: options.sample, seed: ATTACHMENT_SEED }));
    case 'mixed': {
      const generated = Math.floor(options.sample / 2);
      const spamassassin = await loadCorpusSample({ size: options.sample - generated, maxBytes });
      return mixCorpora(spamassassin, generateAttachmentCorpus({ size: generated, seed: ATTACHMENT_SEED }));
    }
  }
}

/**
 * Runs the benchmark; `signal` aborts it (the caller's hard deadline). A
 * caller running several configurations on the same mail passes `preloaded`.
 */
export async function runBench(options: BenchOptions, signal: AbortSignal, progress: (line: string) => void = () => undefined, preloaded?: MixedSample): Promise<BenchResult> {
  if (preloaded === undefined) progress(`loading ${options.sample} corpus messages (${options.corpus ?? 'spamassassin'})`);
  const sample = preloaded ?? (await loadBenchSample(options));
  let sink: CountingSink | undefined;
  let gateway: GatewayProcess | undefined;
  const clients: Array<LoadConnection | undefined> = Array.from({ length: options.connections }, () => undefined);
  const onAbort = (): void => {
    for (const client of clients) client?.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    sink = await startCountingSink(options.sink);
    progress('starting the gateway');
    gateway = await startGatewayProcess({
      sinkPort: sink.port,
      workers: options.workers,
      startTimeoutMs: 60_000,
      overrides: options.overrides,
      ...(options.cpuProfDir === undefined ? {} : { cpuProfDir: options.cpuProfDir }),
    });
    signal.throwIfAborted();

    // Connections are opened before any clock starts: connection set-up is not what is measured.
    const smtpPort = gateway.smtpPort;
    await Promise.all(
      clients.map(async (_, slot) => {
        clients[slot] = await LoadConnection.open({ port: smtpPort, replyTimeoutMs: REPLY_TIMEOUT_MS, heloName: HELO });
      }),
    );
    progress(`warm-up: ${options.warmup} messages on ${options.connections} connections`);
    await runPhase(clients, gateway.smtpPort, sample, newPhase(0, options.warmup), signal);
    // Start measuring with an empty delivery queue, so the warm-up backlog is not billed to the run.
    const beforeVerdicts = await verdictCounts(gateway);
    await sink.waitFor(countQueued(beforeVerdicts), REPLY_TIMEOUT_MS, signal);
    const sinkBefore = sink.count();

    progress(`measuring: ${options.messages} messages`);
    const cpuBefore = await gateway.cpuSeconds();
    const ownCpuBefore = process.cpuUsage();
    const phase = newPhase(options.warmup, options.messages);
    const startedAt = performance.now();
    await runPhase(clients, gateway.smtpPort, sample, phase, signal);
    const wallSeconds = (phase.lastReplyAt - startedAt) / 1000;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const cpuIntake = (await gateway.cpuSeconds()) - cpuBefore;

    const verdicts = subtractCounts(await verdictCounts(gateway), beforeVerdicts);
    const expected = countQueued(verdicts);
    progress(`waiting for ${expected} deliveries at the sink`);
    const complete = await sink.waitFor(sinkBefore + expected, 120_000, signal).then(
      () => true,
      (error: unknown) => {
        if (signal.aborted) throw error;
        return false;
      },
    );
    const lastDelivery = sink.lastDeliveryAt() ?? startedAt;
    const cpuSeconds = (await gateway.cpuSeconds()) - cpuBefore;
    const memory = await gateway.memory();
    const e2eSeconds = (lastDelivery - startedAt) / 1000;

    await Promise.all(clients.map((client) => client?.quit().catch(() => undefined)));
    return {
      machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: { connections: options.connections, messages: options.messages, warmup: options.warmup, analysisWorkers: options.workers, fsync: 'always', sink: options.sink, overrides: options.overrides },
      corpus: { kind: sample.kind, messages: sample.messages.length, attachments: sample.attachments, eicar: sample.eicar, ham: sample.ham, spam: sample.spam, meanBytes: Math.round(sample.bytes / sample.messages.length), skipped: sample.skipped, sha256: sample.sha256 },
      accepted: phase.accepted,
      refused: phase.refused,
      wallSeconds,
      messagesPerSecond: phase.accepted / wallSeconds,
      dataLatencyMs: summarise(phase.latencies),
      verdicts,
      endToEnd: {
        expected,
        delivered: sink.count() - sinkBefore,
        complete,
        seconds: e2eSeconds,
        drainSeconds: Math.max(0, (lastDelivery - phase.lastReplyAt) / 1000),
      },
      gateway: {
        peakRssMb: (memory.vmHwmKb ?? Number.NaN) / 1024,
        cpuCoresIntake: cpuIntake / wallSeconds,
        cpuCoresEndToEnd: cpuSeconds / Math.max(e2eSeconds, wallSeconds),
      },
      loadGeneratorCpuCores: (ownCpu.user + ownCpu.system) / 1e6 / wallSeconds,
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const client of clients) client?.destroy();
    await gateway?.stop();
    await sink?.close();
  }
}
