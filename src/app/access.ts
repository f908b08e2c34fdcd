/**
 * The admin API's users, sessions, tokens and audit log over the
 * installation's database, and the first administrator: on a database with
 * no user at all, Moat creates `admin` with a random password and hands it
 * back once for the start command to print. Nothing stores or logs it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { generatePassword, hashPassword } from '../access/index.js';
import type { MoatConfig } from '../config/index.js';
import { createApiTokensStore, createAuditLog, createSessionsStore, createUsersStore, type Database } from '../storage/index.js';
import type { AccessOptions } from '../web/index.js';

export const FIRST_ADMIN = 'admin';

export interface AccessSetup {
  readonly options: AccessOptions;
  /** The first administrator's password, when this start created it; shown once. */
  readonly firstAdminPassword?: string;
}

export async function openAccess(config: MoatConfig, db: Kysely<Database>, logger: Logger): Promise<AccessSetup> {
  const ports = { users: createUsersStore(db), sessions: createSessionsStore(db), tokens: createApiTokensStore(db), audit: createAuditLog(db) };
  const options: AccessOptions = { ports, sessions: config.http.sessions, login: config.http.login, issuer: `Moat (${config.node.hostname})`, secureCookies: config.http.secureCookies };
  if ((await ports.users.count()) > 0) return { options };
  const password = generatePassword();
  const at = new Date();
  try {
    await ports.users.create({ username: FIRST_ADMIN, passwordHash: await hashPassword(password), role: 'admin', organizationId: null, at });
  } catch (error) {
    // Another node created it first (several nodes starting on a new database): theirs stands.
    if ((await ports.users.count()) > 0) return { options };
    throw error;
  }
  await ports.audit.append({ at, actor: 'system', actorKind: 'system', action: 'user.create', target: `user:${FIRST_ADMIN}`, organizationId: null, outcome: 'ok', detail: { role: 'admin', reason: 'first start' } });
  logger.warn({ user: FIRST_ADMIN }, 'first administrator created; its password is printed once by moat start');
  return { options, firstAdminPassword: password };
}
