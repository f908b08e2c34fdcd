/**
 * Starts a real gateway in-process on loopback with a temporary data folder,
 * from a real operator config file merged over the shipped defaults.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startGateway, type Gateway } from '../../src/app/index.js';
import { loadConfig, type MoatConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { sharedTestDns } from './dns-server.js';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly config: MoatConfig;
  readonly dataDir: string;
  readonly configPath: string;
  readonly smtpPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

/** Operator settings every test gateway shares; `overrides` merge over them (objects by key). */
export function testOperatorConfig(dataDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    node: { id: 'test-1', hostname: 'mx.test.moat' },
    dataDir,
    log: { level: 'silent' },
    smtp: { listen: { host: '127.0.0.1', port: 0 } },
    http: { listen: { host: '127.0.0.1', port: 0 } },
    analysis: { workers: 1 },
    // Never the real network: a closed loopback port fails lookups at once (in-process
    // gateways get a local empty-zone server instead, see startTestGateway).
    dns: { servers: ['127.0.0.1:9'], timeoutMs: 500, tries: 1 },
    delivery: { retry: { initialSeconds: 1, maxSeconds: 2, factor: 2 }, connectTimeoutSeconds: 5 },
  };
  return deepMerge(base, overrides);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'moat-test-'));
}

export async function writeOperatorConfig(dataDir: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const path = join(dataDir, 'moat.yaml');
  await writeFile(path, stringify(testOperatorConfig(join(dataDir, 'data'), overrides)));
  return path;
}

export async function startTestGateway(overrides: Record<string, unknown> = {}, existingDir?: string): Promise<TestGateway> {
  const dir = existingDir ?? (await makeDataDir());
  // DNS goes to a local empty-zone server unless the test brings its own zone.
  const dns = isPlainObject(overrides['dns']) ? {} : { dns: { servers: [(await sharedTestDns()).address] } };
  const configPath = await writeOperatorConfig(dir, { ...dns, ...overrides });
  const { config } = await loadConfig({ operatorPath: configPath, env: {} });
  const logger = createLogger({ level: config.log.level, node: config.node.id });
  const gateway = await startGateway({ config, logger });
  return {
    gateway,
    config,
    dataDir: config.dataDir,
    configPath,
    smtpPort: gateway.smtpAddress.port,
    httpPort: gateway.httpAddress.port,
    async stop() {
      await gateway.stop();
      if (existingDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
