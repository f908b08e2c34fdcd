/**
 * The app shell: finds out who is signed in, shows the sign-in page when
 * nobody is, and otherwise the header (navigation, user, sign-out) and the
 * page the path names.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken, setUnauthorizedHandler } from './api';
import { Link, matchPath, navigate, useLocation } from './router';
import { SessionContext, toSession, type Session, type SessionContextValue } from './session';
import { AccountPage } from './pages/account';
import { AuditPage } from './pages/audit';
import { CampaignReportPage } from './pages/campaign-report';
import { CampaignsPage } from './pages/campaigns';
import { DashboardPage } from './pages/dashboard';
import { HuntPage, HuntsPage } from './pages/hunts';
import { IndicatorsPage } from './pages/indicators';
import { LoginPage } from './pages/login';
import { MessagePage } from './pages/message';
import { MessagesPage } from './pages/messages';
import { OrganizationsPage } from './pages/organizations';
import { PolicyPage } from './pages/policy';
import { QuarantineEntryPage } from './pages/quarantine-entry';
import { QuarantinePage } from './pages/quarantine';
import { UsersPage } from './pages/users';

type SessionState = { readonly kind: 'loading' } | { readonly kind: 'signed-out' } | { readonly kind: 'signed-in'; readonly session: Session };

/** Where to go after signing in: only a same-origin path of ours, never an outside URL. */
function safeNext(value: string | null): string {
  return value !== null && /^\/(?!\/)[^\\]*$/.test(value) && !value.startsWith('/login') ? value : '/';
}

/** The main navigation; an entry without a permission is for every signed-in user. */
const NAV: ReadonlyArray<{ readonly to: string; readonly label: string; readonly permission?: string }> = [
  { to: '/', label: 'Dashboard', permission: 'dashboard:read' },
  { to: '/messages', label: 'Messages', permission: 'messages:read' },
  { to: '/quarantine', label: 'Quarantine', permission: 'quarantine:read' },
  { to: '/policy', label: 'Policy', permission: 'policy:read' },
  { to: '/indicators', label: 'Indicators', permission: 'intel:read' },
  { to: '/hunts', label: 'Retro-hunts', permission: 'intel:read' },
  { to: '/campaigns', label: 'Campaigns', permission: 'intel:read' },
  { to: '/users', label: 'Users', permission: 'users:read' },
  { to: '/organizations', label: 'Organizations', permission: 'organizations:read' },
  { to: '/audit', label: 'Audit', permission: 'audit:read' },
  { to: '/account', label: 'Account' },
];

/** Whether `path` is under the navigation entry `to` (the dashboard only at `/` itself). */
function isCurrent(to: string, path: string): boolean {
  return path === to || (to !== '/' && path.startsWith(`${to}/`));
}

function renderPage(path: string): ReactNode {
  let params: Record<string, string> | undefined;
  if (path === '/') return <DashboardPage />;
  if (path === '/messages') return <MessagesPage />;
  if ((params = matchPath('/messages/:queueId', path)) !== undefined) return <MessagePage queueId={params['queueId'] ?? ''} />;
  if (path === '/quarantine') return <QuarantinePage />;
  if ((params = matchPath('/quarantine/:queueId', path)) !== undefined) return <QuarantineEntryPage queueId={params['queueId'] ?? ''} />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/users') return <UsersPage />;
  if (path === '/policy') return <PolicyPage />;
  if (path === '/indicators') return <IndicatorsPage />;
  if (path === '/hunts') return <HuntsPage />;
  if ((params = matchPath('/hunts/:id', path)) !== undefined) return <HuntPage id={params['id'] ?? ''} />;
  if (path === '/campaigns') return <CampaignsPage />;
  if ((params = matchPath('/campaigns/:id', path)) !== undefined) return <CampaignReportPage id={params['id'] ?? ''} />;
  if (path === '/organizations') return <OrganizationsPage />;
  if (path === '/account') return <AccountPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No page here. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}

export function App(): ReactNode {
  const location = useLocation();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });

  const signedOut = useCallback(() => {
    setCsrfToken(undefined);
    setState({ kind: 'signed-out' });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(signedOut);
    api('GET', '/api/v1/session').then(
      (body) => {
        const session = toSession(body);
        setCsrfToken(session?.csrfToken);
        setState(session === undefined ? { kind: 'signed-out' } : { kind: 'signed-in', session });
      },
      () => setState({ kind: 'signed-out' }),
    );
    return () => setUnauthorizedHandler(undefined);
  }, [signedOut]);

  const signedIn = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    setState({ kind: 'signed-in', session });
    navigate(safeNext(new URLSearchParams(window.location.search).get('next')), { replace: true });
  }, []);

  const session = state.kind === 'signed-in' ? state.session : undefined;
  const context = useMemo<SessionContextValue | undefined>(() => {
    if (session === undefined) return undefined;
    return {
      session,
      can: (permission) => session.permissions.includes(permission),
      installationWide: session.user.organizationId === null,
      signOut: async () => {
        await api('DELETE', '/api/v1/session').catch(() => undefined);
        signedOut();
        navigate('/login', { replace: true });
      },
    };
  }, [session, signedOut]);

  // The sign-in page has its own URL so that a bookmark to a page comes back to it after signing in.
  useEffect(() => {
    if (state.kind === 'signed-out' && location.path !== '/login') {
      const here = `${location.path}${location.query.toString() === '' ? '' : `?${location.query.toString()}`}`;
      navigate(`/login${here === '/' ? '' : `?next=${encodeURIComponent(here)}`}`, { replace: true });
    }
    if (state.kind === 'signed-in' && location.path === '/login') navigate(safeNext(location.query.get('next')), { replace: true });
  }, [state.kind, location]);

  if (state.kind === 'loading') return <p className="loading">Loading…</p>;
  if (state.kind === 'signed-out' || context === undefined) {
    return (
      <main className="login-main">
        <LoginPage onSignedIn={signedIn} />
      </main>
    );
  }

  return (
    <SessionContext.Provider value={context}>
      <header className="top">
        <Link to="/" className="brand">
          Moat
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => item.permission === undefined || context.can(item.permission)).map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={isCurrent(item.to, location.path) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className="user" data-testid="current-user">
            {context.session.user.username}
          </span>{' '}
          <span className="role">({context.session.user.role})</span>{' '}
          <button type="button" onClick={() => void context.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="page">{renderPage(location.path)}</main>
    </SessionContext.Provider>
  );
}
