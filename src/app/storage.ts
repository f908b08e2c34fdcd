/**
 * Opens the configured storage engine: SQLite in the data folder (one node)
 * or PostgreSQL (shared by the nodes of an installation). Both run the same
 * migrations and queries.
 */
import type { Logger } from 'pino';
import type { MoatConfig } from '../config/index.js';
import { openPostgresStorage, openSqliteStorage, type ChangeFeedState, type Storage } from '../storage/index.js';
import { dataPath } from './paths.js';

export async function openStorage(config: MoatConfig, logger?: Logger): Promise<Storage> {
  if (config.storage.backend === 'sqlite') return openSqliteStorage({ path: dataPath(config, config.storage.sqlite.path) });
  const pg = config.storage.postgres;
  return openPostgresStorage({
    url: pg.url,
    ...(pg.password === undefined ? {} : { password: pg.password }),
    ...(pg.schema === undefined ? {} : { schema: pg.schema }),
    ssl: typeof pg.ssl === 'boolean' ? pg.ssl : { ...(pg.ssl.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: pg.ssl.rejectUnauthorized }), ...(pg.ssl.ca === undefined ? {} : { ca: pg.ssl.ca }) },
    poolMax: pg.poolMax,
    connectTimeoutMs: pg.connectTimeoutMs,
    statementTimeoutMs: pg.statementTimeoutMs,
    // An idle pooled connection died (server restart, network cut): the pool opens a new one.
    ...(logger === undefined
      ? {}
      : {
          onPoolError: (error: Error) => logger.warn({ err: error }, 'database connection lost; reconnecting'),
          // Changes made meanwhile still apply through polling; the feed's listeners re-check when it is back.
          onChangeFeedState: (state: ChangeFeedState) => {
            if (state.state === 'lost') logger.warn({ err: state.error, retryInMs: state.retryInMs }, 'database change feed lost; reconnecting');
            else logger.info({ downMs: state.downMs }, 'database change feed restored');
          },
        }),
  });
}
