/**
 * The campaigns list: every campaign the clustering found (or an analyst
 * split off), newest activity first, with its reach and outcome, and for
 * intel:write a "Recluster now" button that regroups the recent suspicious
 * mail at once instead of waiting for the scheduled run.
 */
import { useState, type ReactNode } from 'react';
import { api, queryString } from '../api';
import type { CampaignSummary } from '../campaign-types';
import { ErrorBox, formatTime, useApi } from '../format';
import { Link, useLocation } from '../router';
import { useSession } from '../session';

/** One page of the list; older ones through "Older campaigns" (beforeId). */
const PAGE_SIZE = 100;

interface ReclusterOutcome {
  readonly campaigns: number;
  readonly members: number;
  readonly elapsedMs: number;
}

/** `1 campaign`, `2 campaigns`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function CampaignsPage(): ReactNode {
  const { query } = useLocation();
  const { can } = useSession();
  const beforeId = query.get('beforeId') ?? undefined;
  const list = useApi<{ campaigns?: CampaignSummary[]; nextBeforeId?: number }>(`/api/v1/campaigns${queryString({ beforeId, limit: String(PAGE_SIZE) })}`);
  const [outcome, setOutcome] = useState<ReclusterOutcome | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const recluster = (): void => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    api<ReclusterOutcome>('POST', '/api/v1/campaigns/recluster', {}).then(
      (result) => {
        setOutcome(result);
        setBusy(false);
        list.reload();
      },
      (caught: unknown) => {
        setError(caught);
        setBusy(false);
      },
    );
  };

  const campaigns = list.data?.campaigns ?? [];
  const next = list.data?.nextBeforeId;
  return (
    <section>
      <h1>Campaigns</h1>
      {can('intel:write') && (
        <div className="toolbar no-print">
          <button type="button" className="primary" disabled={busy} onClick={recluster}>
            {busy ? 'Reclustering…' : 'Recluster now'}
          </button>
        </div>
      )}
      {outcome !== undefined && (
        <p className="notice" role="status" data-testid="recluster-outcome">
          Reclustered: {plural(outcome.campaigns, 'campaign')}, {plural(outcome.members, 'message')} in {outcome.elapsedMs} ms.
        </p>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.data !== undefined && campaigns.length === 0 && <p className="muted">No campaigns yet. Campaigns appear when related suspicious messages reach several recipients.</p>}
      {campaigns.length > 0 && (
        <table className="list" aria-label="Campaigns">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Actor</th>
              <th scope="col" className="num">
                Organizations
              </th>
              <th scope="col" className="num">
                Countries
              </th>
              <th scope="col" className="num">
                Messages
              </th>
              <th scope="col" className="num">
                Delivered / blocked
              </th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.map((c) => (
              <tr key={c.id} className={c.status === 'active' ? undefined : 'expired'}>
                <th scope="row" className="clip">
                  <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                  {c.status !== 'active' && <span className="badge"> {c.status}</span>}
                </th>
                <td className="clip">{c.actor ?? ''}</td>
                <td className="num">{c.organizations}</td>
                <td className="num">{c.countries}</td>
                <td className="num">{c.messages}</td>
                <td className="num nowrap">
                  {c.delivered} / {c.blocked}
                </td>
                <td className="nowrap">{formatTime(c.firstSeen)}</td>
                <td className="nowrap">{formatTime(c.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(beforeId !== undefined || next !== undefined) && (
        <p className="no-print">
          {beforeId !== undefined && <Link to="/campaigns">Newest campaigns</Link>}{' '}
          {next !== undefined && <Link to={`/campaigns${queryString({ beforeId: String(next) })}`}>Older campaigns</Link>}
        </p>
      )}
    </section>
  );
}
