/**
 * The analyst's changes to a campaign's identity: a name and an actor
 * (attribution), and merging other campaigns into this one, picked from
 * the list by name or id. The API records each change in the audit log.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { campaignPath, type Campaign, type CampaignSummary } from '../campaign-types';
import { ErrorBox, useApi } from '../format';

/** The API's limits for a name and an actor (src/web/api/campaigns.ts). */
const MAX_NAME = 200;
/** How many campaigns the merge picker lists; a filter narrows the rest. */
const PICK_LIMIT = 200;

export function CampaignNameForm({ campaign, onChanged }: { readonly campaign: Campaign; readonly onChanged: () => void }): ReactNode {
  const [name, setName] = useState(campaign.name);
  const [actor, setActor] = useState(campaign.actor ?? '');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    // An empty actor clears the attribution.
    api('PATCH', campaignPath(campaign.id), { name: name.trim(), actor: actor.trim() }).then(
      () => {
        setSaved(true);
        onChanged();
      },
      (caught: unknown) => setError(caught),
    );
  };

  return (
    <form className="panel stack no-print" onSubmit={submit} aria-label="Name and attribution">
      <h2>Name and attribution</h2>
      <label>
        Name
        <input name="name" required maxLength={MAX_NAME} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Actor
        <input name="actor" maxLength={MAX_NAME} placeholder="unattributed" value={actor} onChange={(e) => setActor(e.target.value)} />
      </label>
      <div className="buttons">
        <button type="submit" className="primary" disabled={name.trim() === ''}>
          Save
        </button>
      </div>
      {saved && (
        <p className="notice" role="status">
          Saved.
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

export function CampaignMergeForm({ campaign, onChanged }: { readonly campaign: Campaign; readonly onChanged: () => void }): ReactNode {
  const list = useApi<{ campaigns?: CampaignSummary[] }>(`/api/v1/campaigns?limit=${PICK_LIMIT}`);
  const [filter, setFilter] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<number>>(new Set());
  const [error, setError] = useState<unknown>();
  const [merged, setMerged] = useState<number | undefined>();

  const needle = filter.trim().toLowerCase();
  const others = (list.data?.campaigns ?? []).filter((c) => c.id !== campaign.id && c.status === 'active');
  const shown = others.filter((c) => needle === '' || String(c.id) === needle.replace(/^#/, '') || c.name.toLowerCase().includes(needle) || (c.actor ?? '').toLowerCase().includes(needle));

  const toggle = (id: number, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const from = others.filter((c) => chosen.has(c.id)).map((c) => c.id);
    if (from.length === 0) return;
    if (!window.confirm(`Merge ${from.length} campaign${from.length === 1 ? '' : 's'} into "${campaign.name}"? Their messages join this campaign.`)) return;
    setError(undefined);
    setMerged(undefined);
    api('POST', `${campaignPath(campaign.id)}/merge`, { from }).then(
      () => {
        setMerged(from.length);
        setChosen(new Set());
        list.reload();
        onChanged();
      },
      (caught: unknown) => setError(caught),
    );
  };

  return (
    <form className="panel stack no-print" onSubmit={submit} aria-label="Merge other campaigns into this">
      <h2>Merge other campaigns into this</h2>
      <label>
        Find by name, actor or id
        <input name="filter" type="search" maxLength={200} value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <ErrorBox error={list.error} />
      {list.data !== undefined && shown.length === 0 && <p className="muted">No other active campaign matches.</p>}
      {shown.length > 0 && (
        <fieldset className="pick-list">
          <legend>Campaigns</legend>
          {shown.map((c) => (
            <label key={c.id}>
              <input type="checkbox" checked={chosen.has(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />#{c.id} {c.name}
              {c.actor === undefined ? '' : ` (${c.actor})`} · {c.messages} messages
            </label>
          ))}
        </fieldset>
      )}
      <div className="buttons">
        <button type="submit" disabled={chosen.size === 0}>
          Merge into this ({chosen.size})
        </button>
      </div>
      {merged !== undefined && (
        <p className="notice" role="status">
          Merged {merged} campaign{merged === 1 ? '' : 's'} into this one.
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}
