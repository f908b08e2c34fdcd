/**
 * Who is signed in: the user, their role and permissions, from
 * GET /api/v1/session. Pages ask `can(permission)` to show only what the
 * API would allow; the API enforces it regardless.
 */
import { createContext, useContext } from 'react';

export interface SessionUser {
  readonly id?: number;
  readonly username: string;
  readonly role: string;
  readonly organizationId: number | null;
}

export interface Session {
  readonly user: SessionUser;
  readonly permissions: readonly string[];
  readonly csrfToken?: string;
}

export interface SessionContextValue {
  readonly session: Session;
  /** Whether the signed-in user has `permission`. */
  can(permission: string): boolean;
  /** Installation-wide roles see every organization; an org-admin only theirs. */
  readonly installationWide: boolean;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/** The signed-in session; only used below the app shell, which renders pages only when signed in. */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession outside a signed-in page');
  return value;
}

/** Narrows GET/POST /api/v1/session answers to a Session (the API is trusted for shape, not content). */
export function toSession(body: Record<string, unknown>): Session | undefined {
  const user = body['user'];
  if (typeof user !== 'object' || user === null) return undefined;
  const u = user as Record<string, unknown>;
  const permissions = Array.isArray(body['permissions']) ? body['permissions'].filter((p): p is string => typeof p === 'string') : [];
  const csrf = body['csrfToken'];
  return {
    user: {
      ...(typeof u['id'] === 'number' ? { id: u['id'] } : {}),
      username: String(u['username'] ?? ''),
      role: String(u['role'] ?? ''),
      organizationId: typeof u['organizationId'] === 'number' ? u['organizationId'] : null,
    },
    permissions,
    ...(typeof csrf === 'string' ? { csrfToken: csrf } : {}),
  };
}
