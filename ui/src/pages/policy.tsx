/**
 * The policy editor, per organization: the organization's part of the
 * policy document as JSON text, saved on the revision it was loaded from.
 * A refused document shows every issue the validator named; a conflict (someone
 * saved meanwhile) says so and offers to reload. The history lists revisions.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, queryString } from '../api';
import { ErrorBox, formatTime, useApi, useOrganizations } from '../format';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';

interface OrganizationPolicy {
  readonly revision: number;
  readonly organization: string;
  readonly domains: readonly string[];
  readonly policy: unknown;
}

interface Revision {
  readonly revision: number;
  readonly sha256: string;
  readonly source: string;
  readonly comment?: string;
  readonly createdAt: string;
}

type Problem = { readonly kind: 'invalid'; readonly message: string; readonly issues: readonly string[] } | { readonly kind: 'conflict'; readonly message: string } | { readonly kind: 'other'; readonly error: unknown };

export function PolicyPage(): ReactNode {
  const { query } = useLocation();
  const { session, installationWide, can } = useSession();
  const organizations = useOrganizations(can('organizations:read'));
  const fallback = session.user.organizationId ?? organizations[0]?.id;
  const chosen = query.get('organization') ?? (fallback === undefined ? undefined : String(fallback));
  const current = useApi<OrganizationPolicy>(chosen === undefined ? undefined : `/api/v1/organizations/${encodeURIComponent(chosen)}/policy`);
  const history = useApi<{ revisions: Revision[] }>(installationWide ? '/api/v1/policy/history?limit=20' : undefined);
  const [draft, setDraft] = useState('');
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (current.data !== undefined) setDraft(JSON.stringify(current.data.policy, null, 2));
  }, [current.data]);

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (current.data === undefined || chosen === undefined) return;
    setProblem(undefined);
    setSaved(undefined);
    let policy: unknown;
    try {
      policy = JSON.parse(draft);
    } catch (error) {
      setProblem({ kind: 'invalid', message: 'The text is not valid JSON', issues: [error instanceof Error ? error.message : String(error)] });
      return;
    }
    setBusy(true);
    try {
      const result = await api<{ revision: number; created: boolean }>('PUT', `/api/v1/organizations/${encodeURIComponent(chosen)}/policy`, {
        baseRevision: current.data.revision,
        policy,
        ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
      });
      setSaved(result.created ? `Saved as revision ${result.revision}.` : `No change: revision ${result.revision} already says this.`);
      setComment('');
      current.reload();
      history.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const issues = Array.isArray(error.body['issues']) ? error.body['issues'].map(String) : [];
        setProblem({ kind: 'invalid', message: error.message, issues });
      } else if (error instanceof ApiError && error.status === 409) {
        setProblem({ kind: 'conflict', message: error.message });
      } else {
        setProblem({ kind: 'other', error });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Policy</h1>
      {organizations.length > 1 && (
        <div className="toolbar">
          <label>
            Organization
            <select name="organization" value={chosen ?? ''} onChange={(e) => navigate(`/policy${queryString({ organization: e.target.value })}`)}>
              {organizations.map((o) => (
                <option key={o.id} value={String(o.id)}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ErrorBox error={current.error} />
      {current.data !== undefined && (
        <form onSubmit={(event) => void save(event)} aria-label="Edit the policy">
          <p>
            Organization <strong>{current.data.organization}</strong> (domains: {current.data.domains.join(', ') || 'none'}), revision{' '}
            <strong data-testid="policy-revision">{current.data.revision}</strong>. The document holds this organization&apos;s rules under{' '}
            <code>organizations</code>, and its domains&apos; and recipients&apos; under <code>domains</code> and <code>recipients</code> (see docs/POLICY.md).
          </p>
          <label className="block">
            Policy (JSON)
            <textarea name="policy" className="code" spellCheck={false} rows={20} value={draft} onChange={(e) => setDraft(e.target.value)} readOnly={!can('policy:write')} />
          </label>
          {can('policy:write') && (
            <div className="toolbar">
              <label>
                Comment
                <input name="comment" maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />
              </label>
              <button type="submit" className="primary" disabled={busy}>
                Save
              </button>
              <button type="button" onClick={() => current.reload()}>
                Reload
              </button>
            </div>
          )}
        </form>
      )}
      {saved !== undefined && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}
      {problem?.kind === 'invalid' && (
        <div className="error" role="alert">
          <p>{problem.message}:</p>
          <ul data-testid="policy-issues">
            {problem.issues.map((issue, i) => (
              <li key={i}>{issue}</li>
            ))}
          </ul>
        </div>
      )}
      {problem?.kind === 'conflict' && (
        <div className="error" role="alert">
          <p>Conflict: {problem.message}</p>
          <button type="button" onClick={() => current.reload()}>
            Reload the current policy (your edits are replaced)
          </button>
        </div>
      )}
      {problem?.kind === 'other' && <ErrorBox error={problem.error} />}
      {history.data !== undefined && (
        <>
          <h2>History</h2>
          <table className="list" aria-label="Policy history">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Revision
                </th>
                <th scope="col">Time</th>
                <th scope="col">Source</th>
                <th scope="col">Comment</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {history.data.revisions.map((r) => (
                <tr key={r.revision}>
                  <td className="num">{r.revision}</td>
                  <td className="nowrap">{formatTime(r.createdAt)}</td>
                  <td>{r.source}</td>
                  <td>{r.comment ?? ''}</td>
                  <td>
                    <code className="hash">{r.sha256.slice(0, 16)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
