import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MoatError } from '../../src/core/index.js';
import { MAX_CONFIG_FILE_BYTES, REDACTED, loadConfig, redactConfig, resolveOperatorConfigPath } from '../../src/config/index.js';

let dir: string;
let counter = 0;

async function operatorFile(yaml: string): Promise<string> {
  const file = join(dir, `operator-${counter++}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** Loads defaults + `yaml` and returns the ConfigError's issues (fails the test if loading succeeds). */
async function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<readonly string[]> {
  const operatorPath = await operatorFile(yaml);
  try {
    await loadConfig({ operatorPath, env, cwd: dir });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, new RegExp(operatorPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    return error.issues;
  }
  assert.fail('expected the config to be rejected');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-config-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('validates the shipped defaults alone and resolves dataDir against cwd', async () => {
    const { config, sources } = await loadConfig({ env: {}, cwd: dir });
    assert.equal(sources.length, 1);
    assert.match(sources[0] ?? '', /config[/\\]default\.yaml$/);
    assert.equal(config.node.hostname, 'moat.localhost');
    assert.equal(config.dataDir, join(dir, 'data'));
    assert.equal(config.domains[0]?.recipients, 'any');
  });

  it('merges an operator file over the defaults: objects by key, lists replace', async () => {
    const operatorPath = await operatorFile(
      ['smtp:', '  listen: { port: 25 }', '  limits: { maxRecipients: 50 }', 'domains:', '  - name: corp.test', '    recipients: [alice]', ''].join('\n'),
    );
    const { config, sources } = await loadConfig({ operatorPath, env: {}, cwd: dir });
    assert.deepEqual(sources.slice(1), [operatorPath]);
    assert.equal(config.smtp.listen.port, 25);
    assert.equal(config.smtp.listen.host, '127.0.0.1', 'sibling keys keep their defaults');
    assert.equal(config.smtp.limits.maxRecipients, 50);
    assert.equal(config.smtp.limits.maxConnections, 500);
    assert.deepEqual(
      config.domains.map((d) => d.name),
      ['corp.test'],
      'the domain list replaces the default list',
    );
  });

  it('lets an empty value unset an optional default', async () => {
    const operatorPath = await operatorFile('policy:\n  subjectPrefix:\n');
    const { config } = await loadConfig({ operatorPath, env: {}, cwd: dir });
    assert.equal(config.policy.subjectPrefix, undefined);
  });

  it('deep-freezes the result', async () => {
    const { config } = await loadConfig({ env: {}, cwd: dir });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.smtp.limits));
    assert.ok(Object.isFrozen(config.domains));
    assert.ok(Object.isFrozen(config.domains[0]));
    assert.throws(() => {
      (config.smtp.limits as { maxRecipients: number }).maxRecipients = 1;
    }, TypeError);
  });

  it('names the key, the expected range and the value for a wrong type', async () => {
    const issues = await issuesOf('smtp:\n  listen: { port: abc }\n');
    assert.deepEqual(issues, ['smtp.listen.port: expected a number between 0 and 65535, got "abc"']);
  });

  it('names the key and range for an out-of-range number', async () => {
    const issues = await issuesOf('http:\n  listen: { port: 70000 }\n');
    assert.deepEqual(issues, ['http.listen.port: expected a number between 0 and 65535, got 70000']);
  });

  it('lists the allowed values of an enum with the array index in the path', async () => {
    const issues = await issuesOf('domains:\n  - name: a.test\n    nextHop: { host: mx.a.test, tls: maybe }\n');
    assert.deepEqual(issues, ['domains[0].nextHop.tls: must be one of required, opportunistic, none']);
  });

  it('suggests the closest key for an unknown key', async () => {
    const issues = await issuesOf('smtp:\n  limits: { maxRecipent: 5 }\n');
    assert.deepEqual(issues, ['smtp.limits.maxRecipent: unknown key (did you mean maxRecipients?)']);
  });

  it('reports an unknown key without a suggestion when nothing is close', async () => {
    const issues = await issuesOf('frobnicate: true\n');
    assert.deepEqual(issues, ['frobnicate: unknown key']);
  });

  it('reports every issue at once, one per line', async () => {
    const issues = await issuesOf(
      ['node: { hostname: "not a host" }', 'analysis: { workers: 0 }', 'domains:', '  - name: a.test', '    recipients: all', 'policy:', '  symbolScores: { lower_case: 1 }', ''].join('\n'),
    );
    assert.deepEqual(issues, [
      'node.hostname: must be a DNS host name, got "not a host"',
      'analysis.workers: expected a number between 1 and 64, got 0',
      'policy.symbolScores.lower_case: invalid key, must be an UPPER_SNAKE symbol',
      'domains[0].recipients: expected "any" or a list, got "all"',
    ]);
  });

  it('reports a missing required key as required', async () => {
    const issues = await issuesOf('node:\n  hostname:\n');
    assert.deepEqual(issues, ['node.hostname: required']);
  });

  it('interpolates ${env:NAME} and coerces a whole reference to the schema type', async () => {
    const operatorPath = await operatorFile('smtp:\n  listen: { port: "${env:SMTP_PORT}" }\n  banner: "Moat ${env:SITE} ESMTP"\n');
    const { config } = await loadConfig({ operatorPath, env: { SMTP_PORT: '2626', SITE: 'edge-1' }, cwd: dir });
    assert.equal(config.smtp.listen.port, 2626);
    assert.equal(config.smtp.banner, 'Moat edge-1 ESMTP');
  });

  it('names the key and the variable when an environment variable is missing', async () => {
    const issues = await issuesOf('smtp:\n  banner: "${env:MOAT_TEST_UNSET}"\n');
    assert.deepEqual(issues, ['smtp.banner: environment variable MOAT_TEST_UNSET is not set']);
  });

  it('redacts env-sourced values and secrets when printing', async () => {
    const operatorPath = await operatorFile('smtp:\n  banner: "${env:BANNER}"\n');
    const { config } = await loadConfig({ operatorPath, env: { BANNER: 'hush' }, cwd: dir });
    const printed = redactConfig(config) as { smtp: { banner: unknown; listen: { port: unknown } } };
    assert.equal(printed.smtp.banner, REDACTED);
    assert.equal(printed.smtp.listen.port, 2525);
    assert.equal(config.smtp.banner, 'hush', 'the config itself is untouched');
  });

  it('names file, line and column on a YAML syntax error', async () => {
    const operatorPath = await operatorFile('smtp:\n  listen: { port: 25\n  banner: x\n');
    await assert.rejects(loadConfig({ operatorPath, env: {}, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.includes(operatorPath), error.message);
      assert.match(error.issues[0] ?? '', /^line 3, column \d+: /);
      return true;
    });
  });

  it('rejects duplicate YAML keys', async () => {
    const operatorPath = await operatorFile('log:\n  level: info\n  level: debug\n');
    await assert.rejects(loadConfig({ operatorPath, env: {}, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.issues[0] ?? '', /^line 3, column 3: Map keys must be unique/);
      return true;
    });
  });

  it('refuses a file that is not a mapping', async () => {
    const issues = await issuesOf('- just\n- a list\n');
    assert.deepEqual(issues, ['(root): expected a mapping (key: value) at the top level']);
  });

  it('checks thresholds are ordered, globally and per domain', async () => {
    const issues = await issuesOf(
      ['policy:', '  thresholds: { tag: 20, quarantine: 10, reject: 50 }', 'domains:', '  - name: a.test', '    thresholds: { tag: 1, quarantine: 2, reject: 1 }', ''].join('\n'),
    );
    assert.deepEqual(issues, [
      'policy.thresholds: must be ordered tag ≤ quarantine ≤ reject, got tag 20, quarantine 10, reject 50',
      'domains[0].thresholds: must be ordered tag ≤ quarantine ≤ reject, got tag 1, quarantine 2, reject 1',
    ]);
  });

  it('requires tls.cert and tls.key together, and readable', async () => {
    assert.deepEqual(await issuesOf('smtp:\n  tls: { cert: /nonexistent/moat.pem }\n'), [
      'smtp.tls.key: required when smtp.tls.cert is set',
      'smtp.tls.cert: cannot read /nonexistent/moat.pem (ENOENT)',
    ]);
    const cert = join(dir, 'readable.pem');
    await writeFile(cert, 'x');
    assert.deepEqual(await issuesOf(`smtp:\n  tls: { cert: ${cert}, key: missing.key }\n`), [
      `smtp.tls.key: cannot read ${join(dir, 'missing.key')} (ENOENT)`,
    ]);
  });

  it('refuses duplicate domains (case-insensitive) and foreign recipient addresses', async () => {
    const issues = await issuesOf(
      ['domains:', '  - name: a.test', '  - name: A.Test', '    recipients: [bob@b.test, "a b", alice@A.TEST]', ''].join('\n'),
    );
    assert.deepEqual(issues, [
      'domains[1].name: duplicate of domains[0].name (a.test)',
      'domains[1].recipients[0]: address is not in domain a.test',
      'domains[1].recipients[1]: not a valid local part or address',
    ]);
  });

  it('refuses the same port for SMTP and HTTP, but allows two port-0 listeners', async () => {
    assert.deepEqual(await issuesOf('http:\n  listen: { port: 2525 }\n'), ['http.listen.port: must differ from smtp.listen.port (both 2525)']);
    const operatorPath = await operatorFile('smtp: { listen: { port: 0 } }\nhttp: { listen: { port: 0 } }\n');
    const { config } = await loadConfig({ operatorPath, env: {}, cwd: dir });
    assert.equal(config.http.listen.port, 0);
  });

  it('reports an unreadable or oversized file as CONFIG_UNREADABLE', async () => {
    await assert.rejects(loadConfig({ operatorPath: join(dir, 'absent.yaml'), env: {}, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof MoatError);
      assert.equal(error.code, 'CONFIG_UNREADABLE');
      assert.match(error.message, /absent\.yaml \(ENOENT\)/);
      return true;
    });
    const big = await operatorFile(`# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    await assert.rejects(loadConfig({ operatorPath: big, env: {}, cwd: dir }), { code: 'CONFIG_UNREADABLE' });
  });

  it('bounds YAML alias expansion', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const operatorPath = await operatorFile(`${lines.join('\n')}\n`);
    await assert.rejects(loadConfig({ operatorPath, env: {}, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.issues[0] ?? '', /alias/i);
      return true;
    });
  });
});

describe('resolveOperatorConfigPath', () => {
  it('prefers --config, then MOAT_CONFIG, then ./moat.yaml', async () => {
    const cwd = join(dir, 'resolve');
    await mkdir(cwd, { recursive: true });
    const arg = join(cwd, 'arg.yaml');
    const fromEnv = join(cwd, 'env.yaml');
    await writeFile(arg, '');
    await writeFile(fromEnv, '');
    assert.equal(resolveOperatorConfigPath(undefined, {}, cwd), undefined);
    await writeFile(join(cwd, 'moat.yaml'), '');
    assert.equal(resolveOperatorConfigPath(undefined, {}, cwd), join(cwd, 'moat.yaml'));
    assert.equal(resolveOperatorConfigPath(undefined, { MOAT_CONFIG: 'env.yaml' }, cwd), fromEnv);
    assert.equal(resolveOperatorConfigPath('arg.yaml', { MOAT_CONFIG: 'env.yaml' }, cwd), arg);
  });

  it('fails when an explicitly named file does not exist', () => {
    assert.throws(() => resolveOperatorConfigPath('nope.yaml', {}, dir), (error: unknown) => {
      assert.ok(error instanceof MoatError);
      assert.equal(error.code, 'CONFIG_UNREADABLE');
      assert.match(error.message, /nope\.yaml \(from --config\) does not exist/);
      return true;
    });
    assert.throws(() => resolveOperatorConfigPath(undefined, { MOAT_CONFIG: '/nonexistent/moat.yaml' }, dir), /from MOAT_CONFIG/);
  });
});
