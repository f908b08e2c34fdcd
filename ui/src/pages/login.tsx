/**
 * Sign in: username and password, and the two-factor code when the API asks
 * for it. A `reason` in the URL says why a session ended; only known reasons
 * are shown, so a crafted link cannot put its own words on this page.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, describeError, setCsrfToken } from '../api';
import { toSession, type Session } from '../session';

const REASONS: Readonly<Record<string, string>> = {
  'password-changed': 'Your password was changed and every session ended. Sign in with the new password.',
};

export function LoginPage({ onSignedIn }: { readonly onSignedIn: (session: Session) => void }): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [totpRequired, setTotpRequired] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [reason] = useState(() => REASONS[new URLSearchParams(window.location.search).get('reason') ?? '']);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const signedIn = await api('POST', '/api/v1/session', { username, password, ...(totpRequired && totp !== '' ? { totp } : {}) });
      setCsrfToken(typeof signedIn['csrfToken'] === 'string' ? signedIn['csrfToken'] : undefined);
      // The sign-in answer has no permissions: ask who we are now.
      const session = toSession(await api('GET', '/api/v1/session'));
      if (session === undefined) throw new Error('the server did not return the session');
      onSignedIn(session);
    } catch (caught) {
      if (caught instanceof ApiError && caught.body['totpRequired'] === true) {
        setTotpRequired(true);
        setError('Enter the code from your authenticator app.');
      } else {
        setError(describeError(caught));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="login">
      <h1>Moat</h1>
      <p className="muted">Sign in to the administration console.</p>
      {reason !== undefined && (
        <p className="notice" role="status">
          {reason}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {totpRequired && (
          <label>
            Two-factor code
            <input name="totp" inputMode="numeric" pattern="[0-9]{6}" autoComplete="one-time-code" required autoFocus value={totp} onChange={(e) => setTotp(e.target.value)} />
          </label>
        )}
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
