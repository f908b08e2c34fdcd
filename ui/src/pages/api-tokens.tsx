/**
 * My API tokens: list, create (a name, optional scopes from my own
 * permissions, an optional lifetime) and revoke. The server keeps only a
 * hash, so the token is shown once, with a copy button, and never again.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { ErrorBox, formatTime, useApi } from '../format';
import { useSession } from '../session';

interface ApiToken {
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly scopes?: readonly string[] | null;
  readonly createdAt: string;
  readonly expiresAt?: string | null;
  readonly revokedAt?: string | null;
  readonly lastUsedAt?: string | null;
}

/** A token's state as a word: revoked and expired tokens stay listed for the record. */
function tokenState(token: ApiToken, now: number): string {
  if (token.revokedAt !== undefined && token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== undefined && token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

export function ApiTokens(): ReactNode {
  const { session } = useSession();
  const list = useApi<{ tokens: ApiToken[] }>('/api/v1/tokens');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ReadonlySet<string>>(new Set());
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const create = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      const body = await api<{ token: ApiToken; secret: string }>('POST', '/api/v1/tokens', {
        name: name.trim(),
        ...(scopes.size === 0 ? {} : { scopes: session.permissions.filter((p) => scopes.has(p)) }),
        ...(days === '' ? {} : { expiresInDays: Number(days) }),
      });
      setCreated({ name: body.token.name, secret: body.secret });
      setCopied(false);
      setName('');
      setScopes(new Set());
      setDays('');
    });
  };

  const revoke = (token: ApiToken): void => {
    if (!window.confirm(`Revoke the token "${token.name}"? Scripts using it stop working at once.`)) return;
    void run(async () => {
      await api('DELETE', `/api/v1/tokens/${token.id}`);
    });
  };

  const copy = async (secret: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setError(new Error('The browser refused the clipboard: select the token and copy it by hand.'));
    }
  };

  const toggleScope = (permission: string): void =>
    setScopes((current) => {
      const next = new Set(current);
      if (next.has(permission)) next.delete(permission);
      else next.add(permission);
      return next;
    });

  const now = Date.now();
  return (
    <>
      <h2>API tokens</h2>
      <p className="muted">
        For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you, narrowed to its scopes (all of your permissions when none are chosen).
      </p>
      {created !== undefined && (
        <div className="notice secret" role="status">
          <p>
            Token <strong>{created.name}</strong> (shown once; store it now):
          </p>
          <p>
            <code data-testid="token-secret">{created.secret}</code>
          </p>
          <div className="buttons">
            <button type="button" onClick={() => void copy(created.secret)}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.data !== undefined &&
        (list.data.tokens.length === 0 ? (
          <p className="muted">No tokens yet.</p>
        ) : (
          <table className="list" aria-label="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.tokens.map((t) => {
                const state = tokenState(t, now);
                return (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td>{t.scopes === undefined || t.scopes === null || t.scopes.length === 0 ? 'all of mine' : t.scopes.join(', ')}</td>
                    <td className="nowrap">{formatTime(t.createdAt)}</td>
                    <td className="nowrap">{t.expiresAt === undefined || t.expiresAt === null ? 'never' : formatTime(t.expiresAt)}</td>
                    <td className="nowrap">{formatTime(t.lastUsedAt)}</td>
                    <td>{state}</td>
                    <td>
                      {state === 'active' && (
                        <button type="button" className="danger" disabled={busy} onClick={() => revoke(t)} aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
      <h3>New token</h3>
      <form className="search" onSubmit={create} aria-label="Create an API token">
        <div className="fields">
          <label>
            Token name
            <input name="tokenName" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Expires after (days, empty: never)
            <input name="expiresInDays" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
          </label>
        </div>
        <fieldset className="scopes">
          <legend>Scopes (none chosen: all of your permissions)</legend>
          {session.permissions.map((p) => (
            <label key={p}>
              <input type="checkbox" checked={scopes.has(p)} onChange={() => toggleScope(p)} /> {p}
            </label>
          ))}
        </fieldset>
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy}>
            Create token
          </button>
        </div>
      </form>
    </>
  );
}
