/**
 * A campaign's member messages with the evidence that joined each one (the
 * shared artifact, lure, URL domain or detection-plus-infrastructure key,
 * and the message it shares it with), linking to the message pages. With
 * intel:write, chosen members can be split off into a new campaign.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../api';
import { campaignPath, type Campaign, type CampaignMember } from '../campaign-types';
import { ErrorBox, formatTime, text } from '../format';
import { Link, navigate } from '../router';

/** Rows drawn at most: a browser table of tens of thousands of rows stalls the page; the CSV has them all. */
const MAX_ROWS = 2000;

export interface CampaignMembersProps {
  readonly campaign: Campaign;
  readonly members: readonly CampaignMember[];
  readonly writable: boolean;
}

export function CampaignMembers({ campaign, members, writable }: CampaignMembersProps): ReactNode {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();

  const toggle = (queueId: string, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(queueId);
    else next.delete(queueId);
    setChosen(next);
  };

  const split = (): void => {
    const queueIds = members.filter((m) => chosen.has(m.queueId)).map((m) => m.queueId);
    if (queueIds.length === 0) return;
    if (!window.confirm(`Split ${queueIds.length} message${queueIds.length === 1 ? '' : 's'} off "${campaign.name}" into a new campaign?`)) return;
    setError(undefined);
    api<Record<string, unknown>>('POST', `${campaignPath(campaign.id)}/split`, { queueIds, ...(name.trim() === '' ? {} : { name: name.trim() }) }).then(
      (created) => {
        // The answer is the new campaign (or wraps it as `campaign`).
        const inner = created['campaign'];
        const body = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : created;
        const id = body['id'];
        if (typeof id === 'number') navigate(`/campaigns/${id}`);
        else setError(new Error('the split answered without a campaign id'));
      },
      (caught: unknown) => setError(caught),
    );
  };

  return (
    <>
      {writable && (
        <div className="toolbar no-print" role="group" aria-label="Split">
          <label>
            New campaign name
            <input name="split-name" maxLength={200} placeholder="optional" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="button" disabled={chosen.size === 0 || chosen.size === members.length} onClick={split}>
            Split into new campaign ({chosen.size})
          </button>
        </div>
      )}
      <ErrorBox error={error} />
      {members.length > MAX_ROWS && (
        <p className="muted">
          The first {MAX_ROWS} of {members.length} messages are listed; the CSV download has them all.
        </p>
      )}
      <table className="list compact members" aria-label="Members">
        <thead>
          <tr>
            {writable && (
              <th scope="col" className="check no-print">
                <span className="sr-only">Choose</span>
              </th>
            )}
            <th scope="col">Message</th>
            <th scope="col">Organization</th>
            <th scope="col">Received</th>
            <th scope="col">Subject</th>
            <th scope="col">Outcome</th>
            <th scope="col">Evidence (kind, key, shared with)</th>
          </tr>
        </thead>
        <tbody>
          {members.slice(0, MAX_ROWS).map((m) => (
            <tr key={m.queueId} className={chosen.has(m.queueId) ? 'selected' : undefined}>
              {writable && (
                <td className="check no-print">
                  <input type="checkbox" aria-label={`Choose ${m.queueId}`} checked={chosen.has(m.queueId)} onChange={(e) => toggle(m.queueId, e.target.checked)} />
                </td>
              )}
              <th scope="row" className="nowrap">
                <Link to={`/messages/${encodeURIComponent(m.queueId)}`}>
                  <code>{m.queueId}</code>
                </Link>
              </th>
              <td>{text(m.organization)}</td>
              <td className="nowrap">{formatTime(m.receivedAt)}</td>
              <td className="clip">{m.subject ?? ''}</td>
              <td className="nowrap">
                <span className={`badge action-${m.action}`}>{m.action}</span> {m.status}
              </td>
              <td className="clip">
                {m.evidence.length === 0 ? (
                  <span className="muted">the cluster's first message</span>
                ) : (
                  <ul className="evidence">
                    {m.evidence.map((e, i) => (
                      <li key={i} title={e.detail}>
                        <span className="badge">{e.kind}</span> <code className="hash">{e.key}</code> with{' '}
                        <Link to={`/messages/${encodeURIComponent(e.withQueueId)}`}>
                          <code>{e.withQueueId}</code>
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
