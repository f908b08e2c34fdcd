/**
 * clamd for the engines benchmark: the real daemon on a loopback port with
 * the synthetic database (clamav-db.ts), started the way test/support/clamd.ts
 * does it. Reports how long clamd took to load the database (spawn to first
 * PONG) and its memory, since both grow with the signature count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseProcStatTicks, parseProcStatus } from './stats.js';

export const CLAMD_BINARY = '/usr/sbin/clamd';

export interface BenchClamdOptions {
  /** Folder holding the database files; clamd's config and log go there too. */
  readonly dir: string;
  /** clamd's StreamMaxLength: the largest artifact the gateway may send. */
  readonly streamMaxBytes: number;
  /** clamd's MaxThreads (concurrent scans). */
  readonly threads: number;
  /** Database loads slower than this are a failed start. */
  readonly startTimeoutMs: number;
  readonly signal: AbortSignal;
}

export interface BenchClamd {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Spawn to first PONG: mostly signature loading and matcher compilation. */
  readonly loadSeconds: number;
  /** Current and peak resident set of clamd, in kB. */
  memory(): Promise<{ vmHwmKb?: number; vmRssKb?: number }>;
  /** CPU seconds clamd has used so far (user + system). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** Children still running, so an abnormal exit can kill them synchronously. */
const running = new Set<ChildProcess>();

/** Kills every clamd this process started and has not stopped (for `process.on('exit')`). */
export function killRunningClamds(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** clamd cannot bind port 0 and report it, so the kernel picks a free port first. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('zPING\0'));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply.startsWith('PONG')));
  });
}

/** Why clamd cannot run here, or undefined. */
export function clamdUnavailableReason(): string | undefined {
  return existsSync(CLAMD_BINARY) ? undefined : `${CLAMD_BINARY} not installed (Debian package clamav-daemon)`;
}

/** Starts clamd on the database in `options.dir` and waits until it answers PING. */
export async function startBenchClamd(options: BenchClamdOptions): Promise<BenchClamd> {
  const unavailable = clamdUnavailableReason();
  if (unavailable !== undefined) throw new Error(unavailable);
  const port = await findFreePort();
  const logFile = join(options.dir, 'clamd.log');
  const configFile = join(options.dir, 'clamd.conf');
  await writeFile(
    configFile,
    [
      'Foreground yes',
      `DatabaseDirectory ${options.dir}`,
      `LogFile ${logFile}`,
      'LogTime yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `StreamMaxLength ${options.streamMaxBytes}`,
      `MaxThreads ${options.threads}`,
      'User root',
      // No bytecode database is written; the default would look for one.
      'Bytecode no',
      // clamd's own unpacking stays on, as in a default install: the gateway relies on it
      // for members of zip, tar, gzip, bzip2, xz and OLE containers (analysis.clamav.members).
      // Its clean-file cache is off: each step sends the same corpus, and a cache warmed by
      // the step before would make the later steps look cheaper than real, unseen mail.
      'DisableCache yes',
      '',
    ].join('\n'),
  );
  const startedAt = performance.now();
  const child = spawn(CLAMD_BINARY, ['--foreground', `--config-file=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    running.delete(child);
  });
  const stop = async (): Promise<void> => {
    if (!gone) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = startedAt + options.startTimeoutMs;
  // No event says clamd has loaded its database and bound the socket: poll PING.
  while (!(await answersPing(port))) {
    if (gone || performance.now() > deadline || options.signal.aborted) {
      await stop();
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`clamd did not start within ${options.startTimeoutMs} ms: ${output}\n${log.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const loadSeconds = (performance.now() - startedAt) / 1000;
  const pid = child.pid;
  if (pid === undefined) throw new Error('clamd has no pid');
  return {
    host: '127.0.0.1',
    port,
    pid,
    loadSeconds,
    memory: async () => parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8')),
    // Linux USER_HZ is 100 on every mainstream architecture.
    cpuSeconds: async () => parseProcStatTicks(await readFile(`/proc/${pid}/stat`, 'utf8')) / 100,
    stop,
  };
}
