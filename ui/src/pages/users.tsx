/**
 * Users: list, create (the generated password is shown once), disable or
 * enable, reset the password. An organization administrator manages their
 * organization's users only; the API decides, the page follows.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { ErrorBox, formatTime, useApi, useOrganizations } from '../format';
import { useSession } from '../session';

interface User {
  readonly id: number;
  readonly username: string;
  readonly role: string;
  readonly organizationId: number | null;
  readonly disabled: boolean;
  readonly totpEnabled: boolean;
  readonly lastLoginAt?: string;
}

const ROLES = ['admin', 'analyst', 'auditor', 'org-admin'];

export function UsersPage(): ReactNode {
  const { session, can, installationWide } = useSession();
  const list = useApi<{ users: User[] }>('/api/v1/users');
  const organizations = useOrganizations(can('organizations:read'));
  const [secret, setSecret] = useState<{ username: string; password: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState(installationWide ? 'analyst' : 'org-admin');
  const [organizationId, setOrganizationId] = useState(session.user.organizationId === null ? '' : String(session.user.organizationId));
  const writable = can('users:write');
  const orgName = (id: number | null): string => (id === null ? 'all' : (organizations.find((o) => o.id === id)?.name ?? String(id)));

  const run = async (work: () => Promise<void>): Promise<void> => {
    setError(undefined);
    try {
      await work();
      list.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  const create = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      const body = await api<{ user: User; password: string }>('POST', '/api/v1/users', {
        username: username.trim(),
        role,
        ...(role === 'org-admin' ? { organizationId: Number(organizationId) } : {}),
      });
      setSecret({ username: body.user.username, password: body.password });
      setUsername('');
    });
  };

  const update = (user: User, change: Record<string, unknown>): void => {
    if (change['resetPassword'] === true && !window.confirm(`Reset the password of ${user.username}? Their sessions end.`)) return;
    void run(async () => {
      const body = await api<{ password?: string }>('PATCH', `/api/v1/users/${user.id}`, change);
      if (body.password !== undefined) setSecret({ username: user.username, password: body.password });
    });
  };

  return (
    <section>
      <h1>Users</h1>
      {secret !== undefined && (
        <div className="notice secret" role="status">
          <p>
            Password for <strong>{secret.username}</strong> (shown once; hand it over safely):
          </p>
          <p>
            <code data-testid="generated-password">{secret.password}</code>
          </p>
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.data !== undefined && (
        <table className="list" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Organization</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">State</th>
              {writable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data.users.map((u) => (
              <tr key={u.id}>
                <td>{u.username}</td>
                <td>{u.role}</td>
                <td>{orgName(u.organizationId)}</td>
                <td>{u.totpEnabled ? 'on' : 'off'}</td>
                <td className="nowrap">{formatTime(u.lastLoginAt)}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                {writable && (
                  <td className="row-actions">
                    {u.id !== session.user.id && (
                      <button type="button" onClick={() => update(u, { disabled: !u.disabled })}>
                        {u.disabled ? 'Enable' : 'Disable'}
                      </button>
                    )}
                    <button type="button" onClick={() => update(u, { resetPassword: true })}>
                      Reset password
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {writable && (
        <>
          <h2>New user</h2>
          <form className="search" onSubmit={create} aria-label="Create a user">
            <div className="fields">
              <label>
                Username
                <input name="username" required pattern="[a-zA-Z0-9][a-zA-Z0-9._@\-]{1,63}" value={username} onChange={(e) => setUsername(e.target.value)} />
              </label>
              <label>
                Role
                <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>
                  {(installationWide ? ROLES : ['org-admin']).map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </label>
              {role === 'org-admin' && (
                <label>
                  Organization
                  <select name="organizationId" required value={organizationId} onChange={(e) => setOrganizationId(e.target.value)}>
                    <option value="">choose…</option>
                    {organizations.map((o) => (
                      <option key={o.id} value={String(o.id)}>
                        {o.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
            </div>
            <div className="buttons">
              <button type="submit" className="primary">
                Create
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}
