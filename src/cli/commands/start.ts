import { startGateway } from '../../app/index.js';
import { createLogger } from '../../observability/index.js';
import type { Command } from '../context.js';

/** `moat start`: run the gateway until SIGTERM/SIGINT. */
export const start: Command = async (context) => {
  const { config } = await context.loadConfig();
  const logger = createLogger({ level: config.log.level, node: config.node.id });
  // Crash, don't limp: the supervisor restarts us and the spool resumes.
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(70);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(70);
  });
  const gateway = await startGateway({ config, logger });
  context.io.stderr.write(
    `moat: SMTP on ${gateway.smtpAddress.address}:${gateway.smtpAddress.port}, HTTP on ${gateway.httpAddress.address}:${gateway.httpAddress.port}\n`,
  );
  if (gateway.firstAdminPassword !== undefined) {
    // Printed once, here only: the database keeps its Argon2id hash, the log does not have it.
    context.io.stderr.write(`moat: first start: created user admin with password ${gateway.firstAdminPassword} (sign in at http://${gateway.httpAddress.address}:${gateway.httpAddress.port}/ and change it; it is not shown again)\n`);
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      gateway.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    // SIGHUP reloads the YARA rules and the policy; a rule set that does not compile or a
    // policy that does not validate is logged and the running one kept.
    process.on('SIGHUP', () => {
      void gateway.reloadRules();
      gateway.reloadPolicy().catch(() => undefined);
    });
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
};
