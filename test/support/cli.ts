/**
 * Running `moat` the ways an operator does: in-process through runCli (for
 * speed) and as a real child process of bin/moat.js, including a gateway
 * child that can be killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/index.js';

/** The repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MOAT_BIN = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs the CLI in this process with captured output. */
export async function runCliInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env, cwd: REPO_ROOT });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Runs `node bin/moat.js ...args` to completion (killed after `timeoutMs`). */
export function runMoat(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [MOAT_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moat ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal === null ? -1 : 128),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

export interface MoatProcess {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const STARTED = /moat: SMTP on [^\s:]+:(\d+), HTTP on [^\s:]+:(\d+)/;

/** Starts `moat start --config <path>` and waits for its "SMTP on ..., HTTP on ..." line. */
export async function startMoatProcess(configPath: string, timeoutMs = 20_000): Promise<MoatProcess> {
  const child = spawn(process.execPath, [MOAT_BIN, 'start', '--config', configPath], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ smtp: number; http: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moat start printed no ports within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = STARTED.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ smtp: Number(match[1]), http: Number(match[2]) });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`moat start exited (${child.exitCode ?? child.signalCode ?? '?'}): ${stderr}`));
    });
  });
  return {
    child,
    smtpPort: ports.smtp,
    httpPort: ports.http,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A loopback port that nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
