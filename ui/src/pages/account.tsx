/**
 * My account: change my password (the server then ends every session of
 * mine, so the page goes back to sign-in), set up or remove two-factor
 * (TOTP), and my API tokens. There is no QR code library: the secret and the
 * otpauth URI are shown as text to type or paste into an authenticator app.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { ErrorBox, useApi } from '../format';
import { useSession } from '../session';
import { ApiTokens } from './api-tokens';

/** A base32 secret in groups of four, as authenticator apps print them: easier to type without slips. */
export function groupSecret(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

export function AccountPage(): ReactNode {
  const { session } = useSession();
  return (
    <section>
      <h1>Account</h1>
      <p className="muted">
        Signed in as <strong>{session.user.username}</strong> ({session.user.role}).
      </p>
      <div className="columns">
        <div>
          <PasswordForm />
        </div>
        <div>
          <TwoFactor />
        </div>
      </div>
      <ApiTokens />
    </section>
  );
}

function PasswordForm(): ReactNode {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    if (next !== repeat) {
      setError(new Error('The new passwords differ.'));
      return;
    }
    setBusy(true);
    try {
      await api('POST', '/api/v1/session/password', { currentPassword: current, newPassword: next });
      // Every session of mine is over, this one too: reload into the sign-in page, which says why.
      window.location.assign('/login?reason=password-changed');
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <>
      <h2>Password</h2>
      <form className="panel stack" onSubmit={(event) => void submit(event)} aria-label="Change password">
        <label>
          Current password
          <input name="currentPassword" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New password
          <input name="newPassword" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          New password again
          <input name="repeatPassword" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </label>
        <p className="muted">Changing the password signs you out everywhere, here included.</p>
        <ErrorBox error={error} />
        <div>
          <button type="submit" className="primary" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
    </>
  );
}

function TwoFactor(): ReactNode {
  const me = useApi<{ user?: { totpEnabled?: boolean } }>('/api/v1/session');
  const [setup, setSetup] = useState<{ secret: string; uri: string } | undefined>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [outcome, setOutcome] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const enabled = me.data?.user?.totpEnabled === true;

  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      await work();
      me.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const begin = (): Promise<void> =>
    run(async () => {
      const answer = await api<{ secret: string; uri: string }>('POST', '/api/v1/session/totp');
      setSetup({ secret: answer.secret, uri: answer.uri });
      setCode('');
    });

  const confirm = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      await api('POST', '/api/v1/session/totp/confirm', { code: code.trim() });
      setSetup(undefined);
      setOutcome('Two-factor is on: signing in now asks for a code.');
    });
  };

  const disable = (event: FormEvent): void => {
    event.preventDefault();
    void run(async () => {
      await api('DELETE', '/api/v1/session/totp', { password });
      setPassword('');
      setOutcome('Two-factor is off.');
    });
  };

  return (
    <>
      <h2>Two-factor sign-in</h2>
      <div className="panel stack">
        {me.data !== undefined && (
          <p>
            Two-factor is <strong data-testid="totp-state">{enabled ? 'on' : 'off'}</strong>.
          </p>
        )}
        {outcome !== undefined && (
          <p className="notice" role="status">
            {outcome}
          </p>
        )}
        <ErrorBox error={error ?? me.error} />
        {me.data !== undefined && !enabled && setup === undefined && (
          <div>
            <button type="button" disabled={busy} onClick={() => void begin()}>
              Set up two-factor
            </button>
          </div>
        )}
        {!enabled && setup !== undefined && (
          <form className="stack" onSubmit={confirm} aria-label="Confirm two-factor">
            <p>Add this key to your authenticator app (time-based, 6 digits, 30 seconds), then enter the code it shows.</p>
            <p>
              Key: <code className="secret" data-testid="totp-secret">{groupSecret(setup.secret)}</code>
            </p>
            <label>
              Or paste this URI into the app
              <input className="code" readOnly value={setup.uri} onFocus={(e) => e.target.select()} />
            </label>
            <label>
              Code from the app
              <input name="code" inputMode="numeric" pattern="[0-9]{6}" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
            </label>
            <div className="buttons">
              <button type="submit" className="primary" disabled={busy}>
                Turn on two-factor
              </button>
              <button type="button" onClick={() => setSetup(undefined)}>
                Cancel
              </button>
            </div>
          </form>
        )}
        {enabled && (
          <form className="stack" onSubmit={disable} aria-label="Turn off two-factor">
            <label>
              Password (to turn two-factor off)
              <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
            <div>
              <button type="submit" className="danger" disabled={busy}>
                Turn off two-factor
              </button>
            </div>
          </form>
        )}
      </div>
    </>
  );
}
