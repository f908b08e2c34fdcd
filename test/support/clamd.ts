/**
 * Starts a real clamd for tests, on loopback TCP, with a signature database
 * written here (never downloaded): a body signature for the EICAR test string
 * and a SHA-256 hash signature of a generated file. child_process is fine in
 * test support; product code never uses it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLAMD_BINARY = '/usr/sbin/clamd';

/** The standard 68-character EICAR anti-virus test string. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const EICAR_SIGNATURE = 'Moat.Test.EICAR';
export const HASH_SIGNATURE = 'Moat.Test.Hash';

export interface TestClamd {
  readonly host: string;
  readonly port: number;
  /** clamd's StreamMaxLength in bytes. */
  readonly streamMaxBytes: number;
  /** Content that only the SHA-256 hash signature matches. */
  readonly hashMatchContent: Buffer;
  stop(): Promise<void>;
}

/**
 * Why clamd cannot run here, or undefined when it can. Callers skip with the
 * reason locally and fail in CI, where clamav-daemon must be installed.
 */
export function clamdUnavailableReason(): string | undefined {
  if (existsSync(CLAMD_BINARY)) return undefined;
  const reason = `${CLAMD_BINARY} not installed (Debian package clamav-daemon)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
  return reason;
}

/** A free loopback port: clamd cannot be told to bind port 0 and report it, so ask the kernel for one first. */
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

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('zPING\0'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply.startsWith('PONG')));
  });
}

/** Starts clamd with the test signatures and waits until it answers PING. */
export async function startClamd(options: { streamMaxBytes?: number } = {}): Promise<TestClamd> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-clamd-'));
  const streamMaxBytes = options.streamMaxBytes ?? 1024 * 1024;
  const hashMatchContent = Buffer.concat([Buffer.from('moat hash signature test file\n'), randomBytes(64)]);
  const sha256 = createHash('sha256').update(hashMatchContent).digest('hex');
  await writeFile(join(dir, 'moat-test.ndb'), `${EICAR_SIGNATURE}:0:*:${Buffer.from(EICAR, 'latin1').toString('hex')}\n`);
  await writeFile(join(dir, 'moat-test.hsb'), `${sha256}:${hashMatchContent.length}:${HASH_SIGNATURE}\n`);
  const logFile = join(dir, 'clamd.log');
  for (let attempt = 0; ; attempt++) {
    const port = await findFreePort();
    const config = [
      'Foreground yes',
      `DatabaseDirectory ${dir}`,
      `LogFile ${logFile}`,
      'LogTime yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `StreamMaxLength ${streamMaxBytes}`,
      'MaxThreads 4',
      'User root',
      'Bytecode no',
    ].join('\n');
    const configFile = join(dir, 'clamd.conf');
    await writeFile(configFile, `${config}\n`);
    const child = spawn(CLAMD_BINARY, ['--foreground', `--config-file=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = await waitForPing(port, exited);
    if (ready) return { host: '127.0.0.1', port, streamMaxBytes, hashMatchContent, stop: () => stopClamd(child, exited, dir) };
    await stopClamd(child, exited, dir, false);
    // The port may have been taken between findFreePort and clamd's bind: try another one, once.
    if (attempt >= 1) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`clamd did not start: ${output}\n${log}`);
    }
  }
}

/** Polls PING until clamd answers (no event tells us it has bound the socket) or it exits. */
async function waitForPing(port: number, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (!gone && Date.now() < deadline) {
    if (await answersPing(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function stopClamd(child: ChildProcess, exited: Promise<number | null>, dir: string, removeDir = true): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
  if (removeDir) await rm(dir, { recursive: true, force: true });
}
