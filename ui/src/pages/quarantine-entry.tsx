/**
 * One held message: envelope, verdict, the safe preview and the actions.
 * The preview is the server's sanitised document in an iframe sandboxed
 * with no permissions at all (no scripts, an opaque origin, no forms or
 * navigation), under the document's own strict CSP. Remote content loads
 * only after the analyst confirms. Attachments are listed as text: they are
 * never links and never open in the browser. Downloads are the message sealed
 * in a ZIP with the customary password `infected` or defanged text; the raw
 * message is never offered.
 */
import { useState, type ReactNode } from 'react';
import { api, describeError } from '../api';
import { ErrorBox, formatTime, KeyValues, text, useApi } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

interface QuarantineDetail {
  readonly entry: { readonly queueId: string; readonly reason: string; readonly quarantinedAt: string; readonly state: string; readonly size: number; readonly sha256: string };
  readonly envelope?: { readonly mailFrom?: string; readonly rcptTo?: readonly string[]; readonly receivedAt?: string; readonly client?: { readonly address?: string; readonly helo?: string; readonly reverseName?: string } };
  readonly verdict?: { readonly action?: string; readonly score?: number; readonly reasons?: readonly string[]; readonly policyVersion?: string };
}

interface Preview {
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly text?: string;
  readonly attachments?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly notes?: Readonly<Record<string, unknown>>;
}

const HEADER_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['from', 'From'],
  ['to', 'To'],
  ['cc', 'Cc'],
  ['replyTo', 'Reply-To'],
  ['subject', 'Subject'],
  ['date', 'Date'],
  ['messageId', 'Message-ID'],
];

/** What the sanitiser removed, as one line per non-zero count. */
function noteLines(notes: Readonly<Record<string, unknown>> | undefined): string[] {
  if (notes === undefined) return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(notes)) {
    if (typeof value === 'number' && value > 0) lines.push(`${key}: ${value}`);
    if (Array.isArray(value) && value.length > 0) lines.push(`${key}: ${value.map(text).join(', ')}`);
  }
  return lines;
}

export function QuarantineEntryPage({ queueId }: { readonly queueId: string }): ReactNode {
  const { can } = useSession();
  const id = encodeURIComponent(queueId);
  const detail = useApi<QuarantineDetail>(`/api/v1/quarantine/${id}`);
  const previewAnswer = useApi<Preview & { preview?: Preview }>(`/api/v1/quarantine/${id}/preview`);
  const [remote, setRemote] = useState(false);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [outcome, setOutcome] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const preview: Preview | undefined = previewAnswer.data?.preview ?? previewAnswer.data;
  const entry = detail.data?.entry;
  const envelope = detail.data?.envelope;
  const verdict = detail.data?.verdict;
  const recipients = envelope?.rcptTo ?? [];
  const held = entry?.state === 'held';

  const act = async (action: 'release' | 'delete' | 'confirm', body?: unknown): Promise<void> => {
    if (action !== 'release' && !window.confirm(action === 'delete' ? 'Delete this message? This cannot be undone.' : 'Confirm this message as junk? It is deleted and the spam filter learns from it.')) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api('POST', `/api/v1/quarantine/${id}/${action}`, body ?? {});
      const released = answer['released'];
      setOutcome(action === 'release' ? `Released to ${Array.isArray(released) ? released.map(text).join(', ') : 'its recipients'}.` : action === 'delete' ? 'Deleted.' : 'Confirmed as junk.');
      detail.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const loadRemote = (): void => {
    if (window.confirm('Load remote images and make links live? The sender may learn that the message was opened, and from where.')) setRemote(true);
  };

  return (
    <section>
      <p className="crumbs">
        <Link to="/quarantine">Quarantine</Link> / <span>{queueId}</span>
      </p>
      <h1 className="subject">{preview?.headers?.['subject'] === undefined ? queueId : text(preview.headers['subject'])}</h1>
      <ErrorBox error={detail.error} />
      {outcome !== undefined && (
        <p className="notice" role="status">
          {outcome}
        </p>
      )}
      <ErrorBox error={error} />
      {entry !== undefined && (
        <>
          {can('quarantine:act') && held && (
            <div className="toolbar" role="group" aria-label="Actions">
              <button type="button" className="primary" disabled={busy} onClick={() => void act('release')}>
                Release to all recipients
              </button>
              {recipients.length > 1 && (
                <button type="button" disabled={busy || chosen.size === 0} onClick={() => void act('release', { recipients: recipients.filter((r) => chosen.has(r)) })}>
                  Release to chosen ({chosen.size})
                </button>
              )}
              <button type="button" className="danger" disabled={busy} onClick={() => void act('delete')}>
                Delete
              </button>
              <button type="button" disabled={busy} onClick={() => void act('confirm')}>
                Confirm junk
              </button>
              <Link to={`/messages/${id}`}>Trace</Link>
            </div>
          )}
          {can('quarantine:act') && (
            <p className="downloads" aria-label="Downloads">
              <a href={`/api/v1/quarantine/${id}/download`} download>
                Download (ZIP, password infected)
              </a>{' '}
              <span className="muted">
                password: <code data-testid="zip-password">infected</code>
              </span>
              <a href={`/api/v1/quarantine/${id}/download?format=defanged`} download>
                Download as text
              </a>
            </p>
          )}
          <div className="columns">
            <div>
              <h2>Headers</h2>
              {preview === undefined ? (
                <p className="muted">{previewAnswer.error === undefined ? 'Loading…' : `No preview: ${describeError(previewAnswer.error)}`}</p>
              ) : (
                <KeyValues rows={HEADER_LABELS.filter(([key]) => preview.headers?.[key] !== undefined).map(([key, label]) => [label, <span className="header-value">{text(preview.headers?.[key])}</span>] as const)} />
              )}
              <h2>Envelope</h2>
              <KeyValues
                rows={[
                  ['Queue id', <code>{entry.queueId}</code>],
                  ['Held since', formatTime(entry.quarantinedAt)],
                  ['State', entry.state],
                  ['MAIL FROM', text(envelope?.mailFrom)],
                  [
                    'Recipients',
                    held && recipients.length > 1 ? (
                      <fieldset className="recipients">
                        <legend className="sr-only">Choose recipients to release to</legend>
                        {recipients.map((r) => (
                          <label key={r}>
                            <input
                              type="checkbox"
                              checked={chosen.has(r)}
                              onChange={() =>
                                setChosen((current) => {
                                  const next = new Set(current);
                                  if (next.has(r)) next.delete(r);
                                  else next.add(r);
                                  return next;
                                })
                              }
                            />{' '}
                            {r}
                          </label>
                        ))}
                      </fieldset>
                    ) : (
                      recipients.join(', ')
                    ),
                  ],
                  ['Client', `${text(envelope?.client?.address)}${envelope?.client?.reverseName === undefined ? '' : ` (${envelope.client.reverseName})`}`],
                  ['HELO', text(envelope?.client?.helo)],
                  ['Size', `${entry.size} bytes`],
                ]}
              />
            </div>
            <div>
              <h2>Verdict</h2>
              <KeyValues
                rows={[
                  ['Action', text(verdict?.action)],
                  ['Score', text(verdict?.score)],
                  ['Reason held', entry.reason],
                  ['Policy version', <code>{text(verdict?.policyVersion)}</code>],
                ]}
              />
              {(verdict?.reasons?.length ?? 0) > 0 && (
                <ul>
                  {verdict?.reasons?.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              )}
              <h2>Attachments</h2>
              {preview?.attachments === undefined || preview.attachments.length === 0 ? (
                <p className="muted">None.</p>
              ) : (
                <ul className="attachments" aria-label="Attachments">
                  {preview.attachments.map((a, i) => (
                    <li key={i}>
                      <span className="attachment-name">{text(a['name'] ?? a['filename'] ?? '(no name)')}</span>{' '}
                      <span className="muted">
                        {text(a['declaredType'] ?? a['contentType'])}, {text(a['size'])} bytes
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
          <h2>Preview</h2>
          {noteLines(preview?.notes).length > 0 && (
            <p className="notice">Removed or blocked by the sanitiser: {noteLines(preview?.notes).join('; ')}</p>
          )}
          <div className="toolbar">
            {!remote ? (
              <button type="button" onClick={loadRemote}>
                Load remote content
              </button>
            ) : (
              <span className="muted">Remote content loaded.</span>
            )}
            <button type="button" onClick={() => navigate(`/quarantine`)}>
              Back to the list
            </button>
          </div>
          <iframe
            key={remote ? 'remote' : 'safe'}
            className="preview"
            title="Message preview"
            sandbox=""
            referrerPolicy="no-referrer"
            src={`/api/v1/quarantine/${id}/preview.html${remote ? '?remote=true' : ''}`}
          />
          {preview?.text !== undefined && (
            <details>
              <summary>Plain text body</summary>
              <pre className="body-text">{preview.text}</pre>
            </details>
          )}
        </>
      )}
    </section>
  );
}
