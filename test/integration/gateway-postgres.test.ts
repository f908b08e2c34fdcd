/**
 * The gateway on PostgreSQL (`storage.backend: postgres`): mail through SMTP
 * lands in the shared message log, the CLI's admin services read it from the
 * same database, and an unreachable database stops the start with a clear
 * error instead of a half-started node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices, startGateway } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { closedPort } from '../support/cli.js';
import { makeDataDir, startTestGateway, writeOperatorConfig, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { sendMessage } from '../support/smtp-client.js';
import { dropSchema, POSTGRES_DATABASE, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, postgresUnavailableReason, uniqueSchemaName } from '../support/storage-engines.js';

const unavailable = await postgresUnavailableReason();
const URL_BASE = `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DATABASE}`;

describe('gateway on PostgreSQL', { skip: unavailable }, () => {
  const schema = uniqueSchemaName('gateway');
  let moat: TestGateway;

  before(async () => {
    moat = await startTestGateway({ storage: { backend: 'postgres', postgres: { url: URL_BASE, schema } }, domains: [{ name: 'example.test', recipients: 'any' }] });
  });

  after(async () => {
    await moat?.stop();
    await dropSchema(schema);
  });

  it('records mail in the shared log, readable by the admin services', async () => {
    const queueId = queueIdOf((await sendMessage(moat.smtpPort, { from: 'alice@partner.example', to: ['bob@example.test'], body: plainMessage({ subject: 'on postgres' }) })).data);
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      assert.equal(detail?.subject, 'on postgres');
      assert.deepEqual((await admin.messageLog.search({ subject: 'on postgres' })).map((m) => m.queueId), [queueId]);
    } finally {
      await admin.close();
    }
  });

  it('refuses to start when the database cannot be reached, naming it', async () => {
    const dir = await makeDataDir();
    const configPath = await writeOperatorConfig(dir, { storage: { backend: 'postgres', postgres: { url: `postgres://moat@127.0.0.1:${await closedPort()}/moat`, connectTimeoutMs: 1000 } } });
    const { config } = await loadConfig({ operatorPath: configPath, env: {} });
    const started = Date.now();
    await assert.rejects(startGateway({ config, logger: createLogger({ level: 'silent', node: 'x' }) }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORAGE_OPEN_FAILED');
      assert.match(error.message, /127\.0\.0\.1/);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, 'fails within the connect timeout');
  });
});
