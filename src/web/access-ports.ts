/**
 * What the admin API needs from storage, as narrow ports: `app/` passes the
 * real stores (src/storage), tests may pass the same stores over a
 * throwaway database. Declared here so `web` depends on no storage module.
 */
import type { Role } from '../access/index.js';

export interface UserRecord {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly organizationId: number | null;
  readonly passwordHash: string;
  readonly totpSecret: string | null;
  readonly totpEnabled: boolean;
  readonly disabled: boolean;
  readonly failedLogins: number;
  readonly lockedUntil?: string;
  readonly lastLoginAt?: string;
  readonly createdAt: string;
}

export interface UserStorePort {
  create(input: { username: string; passwordHash: string; role: Role; organizationId: number | null; at: Date }): Promise<UserRecord>;
  get(id: number): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  list(options?: { organizationId?: number; limit?: number }): Promise<readonly UserRecord[]>;
  count(): Promise<number>;
  update(
    id: number,
    changes: { role?: Role; organizationId?: number | null; passwordHash?: string; passwordChangedAt?: Date; disabled?: boolean; totpSecret?: string | null; totpEnabled?: boolean },
  ): Promise<unknown>;
  /** Counts a failure atomically; the failure that reaches `lockAfter` sets `lockedUntil` to `lockUntil`. */
  recordLoginFailure(id: number, at: Date, lockUntil: Date | undefined, lockAfter?: number): Promise<number>;
  recordLoginSuccess(id: number, at: Date): Promise<unknown>;
}

export interface SessionRecord {
  readonly idHash: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
}

export interface SessionStorePort {
  create(input: { idHash: string; userId: number; csrfToken: string; at: Date; expiresAt: Date; ip?: string; userAgent?: string }): Promise<unknown>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, at: Date): Promise<unknown>;
  delete(idHash: string): Promise<unknown>;
  deleteForUser(userId: number): Promise<unknown>;
}

export interface ApiTokenRecord {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  readonly prefix: string;
  readonly scopes?: readonly string[] | null;
  readonly createdAt: string;
  readonly expiresAt?: string | null;
  readonly revokedAt?: string | null;
  readonly lastUsedAt?: string | null;
}

export interface ApiTokenStorePort {
  create(input: { userId: number; name: string; tokenHash: string; prefix: string; scopes?: readonly string[]; at: Date; expiresAt?: Date }): Promise<ApiTokenRecord>;
  getByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  list(options?: { userId?: number }): Promise<readonly ApiTokenRecord[]>;
  revoke(id: number, at: Date): Promise<boolean>;
  touch(id: number, at: Date): Promise<unknown>;
}

export type AuditActorKind = 'session' | 'token' | 'cli' | 'system';
export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEntry {
  readonly at: Date;
  readonly actor: string;
  readonly actorKind: AuditActorKind;
  readonly action: string;
  readonly target?: string;
  readonly organizationId?: number | null;
  readonly ip?: string;
  readonly outcome: AuditOutcome;
  readonly detail?: unknown;
}

export interface AuditRecord {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly actorKind: string;
  readonly action: string;
  readonly target?: string | null;
  readonly organizationId?: number | null;
  readonly ip?: string | null;
  readonly outcome: string;
  readonly detail?: unknown;
}

export interface AuditLogPort {
  append(entry: AuditEntry): Promise<unknown>;
  list(options?: { from?: Date; to?: Date; actor?: string; action?: string; organizationId?: number; limit?: number; beforeId?: number }): Promise<readonly AuditRecord[]>;
}

/** Everything the access-controlled API reads and writes. */
export interface AccessPorts {
  readonly users: UserStorePort;
  readonly sessions: SessionStorePort;
  readonly tokens: ApiTokenStorePort;
  readonly audit: AuditLogPort;
}
