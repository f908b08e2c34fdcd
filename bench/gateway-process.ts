/**
 * The gateway under test as a separate process, started the way an operator
 * starts it (`node bin/moat.js start --config FILE`), so the load generator
 * does not share its event loop or CPU accounting. The bench may use
 * child_process; the product never does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { startDnsServer } from '../test/support/dns-server.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseProcStatTicks, parseProcStatus } from './stats.js';

export interface GatewayProcessOptions {
  /** Port of the sink the gateway relays to. */
  readonly sinkPort: number;
  /** `analysis.workers`. */
  readonly workers: number;
  /** Start-up (spawn to healthy) must finish within this. */
  readonly startTimeoutMs: number;
  /** When set, the gateway runs under `--cpu-prof` and writes its profiles here. */
  readonly cpuProfDir?: string;
  /** Operator settings merged over the bench's (objects key by key). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export interface GatewayProcess {
  readonly pid: number;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** The operator config the gateway runs with (for the report). */
  readonly operatorConfig: Readonly<Record<string, unknown>>;
  /** `GET /metrics` exposition text. */
  metrics(timeoutMs?: number): Promise<string>;
  /** Peak (VmHWM) and current (VmRSS) resident set of the gateway process, in kB. */
  memory(): Promise<{ vmHwmKb?: number; vmRssKb?: number }>;
  /** CPU seconds (user + system, all threads) the gateway has used so far. */
  cpuSeconds(): Promise<number>;
  /** SIGTERM (graceful: flushes a CPU profile), SIGKILL after a grace period; removes the temp folder. */
  stop(): Promise<void>;
}

/** Linux USER_HZ; /proc reports CPU time in these ticks and it is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Output kept for an error message when start-up fails. */
const MAX_OUTPUT_TAIL = 16 * 1024;
const STOP_GRACE_MS = 15_000;
// `moat start` prints this once both listeners are bound (src/cli/commands/start.ts).
const READY_LINE = /moat: SMTP on [^\s:]+:(\d+), HTTP on [^\s:]+:(\d+)/;

/** The repository root, from dist/bench/ (compiled) two levels up. */
function repoRoot(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
}

/** Operator settings of the gateway under test (merged over config/default.yaml by the gateway). */
export function benchOperatorConfig(dataDir: string, sinkPort: number, workers: number): Record<string, unknown> {
  return {
    node: { id: 'bench-1', hostname: 'mx.bench.moat' },
    dataDir,
    // info logs one line per message: that is a production cost too, but not the one measured here.
    log: { level: 'warn' },
    smtp: { listen: { host: '127.0.0.1', port: 0 } },
    http: { listen: { host: '127.0.0.1', port: 0 } },
    analysis: { workers },
    domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sinkPort, tls: 'none' } }],
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key, anything else replaces: the same rule as the gateway's config layers. */
export function mergeSettings(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeSettings(current, value) : value;
  }
  return out;
}

function keepTail(tail: string, chunk: string): string {
  const joined = tail + chunk;
  return joined.length > MAX_OUTPUT_TAIL ? joined.slice(-MAX_OUTPUT_TAIL) : joined;
}

async function fetchText(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/** Children still running, so an abnormal exit of the bench can kill them synchronously. */
const running = new Set<ChildProcess>();

/** Kills every gateway this process started and has not stopped (for `process.on('exit')`). */
export function killRunningGateways(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Writes a temp config, spawns the gateway, waits for the ready line and a healthy `/healthz`. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-bench-'));
  // Sender authentication and reputation ask DNS for every message: a local server
  // answers (NXDOMAIN for the corpus' domains), so the run never leaves the machine.
  const dns = await startDnsServer([], { unref: true });
  const operatorConfig = mergeSettings(
    mergeSettings(benchOperatorConfig(join(dir, 'data'), options.sinkPort, options.workers), { dns: { servers: [dns.address] } }),
    options.overrides ?? {},
  );
  const configPath = join(dir, 'moat.yaml');
  await writeFile(configPath, stringify(operatorConfig));

  const env: NodeJS.ProcessEnv = { ...process.env };
  // The run must not pick up an operator file from the caller's environment.
  delete env.MOAT_CONFIG;
  // Node 20 refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line.
  const profile = options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(options.cpuProfDir)}`];
  const child = spawn(process.execPath, [...profile, join(repoRoot(), 'bin', 'moat.js'), 'start', '--config', configPath], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));

  let output = '';
  // Both pipes are drained for the whole run: a full pipe would stall the gateway's logger.
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output = keepTail(output, chunk)));
  child.stderr?.setEncoding('utf8');

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_GRACE_MS);
      }
    }
    running.delete(child);
    await dns.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const ports = await new Promise<{ smtp: number; http: number }>((resolveReady, reject) => {
      let stderr = '';
      const timer = setTimeout(() => finish(new Error(`gateway not listening within ${options.startTimeoutMs} ms`)), options.startTimeoutMs);
      const onData = (chunk: string): void => {
        stderr = keepTail(stderr, chunk);
        output = keepTail(output, chunk);
        const match = READY_LINE.exec(stderr);
        if (match?.[1] !== undefined && match[2] !== undefined) finish(undefined, { smtp: Number(match[1]), http: Number(match[2]) });
      };
      const onExit = (code: number | null, signal: string | null): void => finish(new Error(`gateway exited (${code ?? signal}) during start-up:\n${output}`));
      function finish(error: Error | undefined, value?: { smtp: number; http: number }): void {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.stderr?.on('data', (chunk: string) => (output = keepTail(output, chunk)));
        if (error !== undefined || value === undefined) reject(error ?? new Error('no ports'));
        else resolveReady(value);
      }
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
    });

    const healthUrl = `http://127.0.0.1:${ports.http}/healthz`;
    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      const health = await fetchText(healthUrl, 2000).catch((error: unknown) => ({ status: 0, body: String(error) }));
      if (health.status === 200) break;
      if (Date.now() > deadline) throw new Error(`gateway not healthy within ${options.startTimeoutMs} ms: ${health.status} ${health.body.slice(0, 500)}`);
      await new Promise((wake) => setTimeout(wake, 100));
    }

    const pid = child.pid;
    if (pid === undefined) throw new Error('gateway process has no pid');
    return {
      pid,
      smtpPort: ports.smtp,
      httpPort: ports.http,
      operatorConfig,
      async metrics(timeoutMs = 5000) {
        const { status, body } = await fetchText(`http://127.0.0.1:${ports.http}/metrics`, timeoutMs);
        if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
        return body;
      },
      async memory() {
        return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
      },
      async cpuSeconds() {
        return parseProcStatTicks(await readFile(`/proc/${pid}/stat`, 'utf8')) / CLOCK_TICKS_PER_SECOND;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
