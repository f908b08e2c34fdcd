/**
 * One message: envelope, authentication results, artifacts with their
 * findings, the verdict with its reasons and policy version, and the
 * delivery attempts. Everything is message-derived text and shown as such.
 */
import type { ReactNode } from 'react';
import { ErrorBox, formatTime, KeyValues, text, useApi } from '../format';
import { Link } from '../router';
import { useSession } from '../session';

interface Finding {
  readonly engine: string;
  readonly symbol: string;
  readonly score: number;
  readonly severity: string;
  readonly detail: string;
  readonly artifact?: string;
}

interface Artifact {
  readonly path: string;
  readonly declaredName?: string;
  readonly declaredType: string;
  readonly detectedType?: string;
  readonly disposition?: string;
  readonly size: number;
  readonly sha256: string;
}

export interface MessageDetail {
  readonly queueId: string;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly headerFrom?: string;
  readonly subject?: string;
  readonly messageId?: string;
  readonly helo: string;
  readonly clientIp: string;
  readonly clientPort: number;
  readonly clientRdns?: string;
  readonly tls?: { readonly protocol: string; readonly cipher: string };
  readonly size: number;
  readonly sha256: string;
  readonly action: string;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly policyVersion: string;
  readonly status: string;
  readonly elapsedMs: number;
  readonly auth?: { readonly spf: string; readonly dkim: string; readonly dmarc: string; readonly arc: string };
  readonly recipients: ReadonlyArray<{ readonly recipient: string; readonly status: string }>;
  readonly artifacts: readonly Artifact[];
  readonly findings: readonly Finding[];
  readonly urls: readonly string[];
  readonly attempts: ReadonlyArray<{ readonly recipient: string; readonly target: string; readonly outcome: string; readonly reply: string; readonly at: string; readonly durationMs: number }>;
  /** What retro-hunts found in this message (absent from older servers). */
  readonly huntMatches?: ReadonlyArray<{ readonly runId: number; readonly indicatorType: string; readonly indicatorValue: string; readonly matchedField: string; readonly foundAt: string }>;
}

function FindingList({ findings }: { readonly findings: readonly Finding[] }): ReactNode {
  if (findings.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="findings">
      {findings.map((f, i) => (
        <li key={i}>
          <code>{f.symbol}</code> <span className={`badge severity-${f.severity}`}>{f.severity}</span> <span className="muted">score {f.score}</span> — {f.detail}
        </li>
      ))}
    </ul>
  );
}

export function MessagePage({ queueId }: { readonly queueId: string }): ReactNode {
  const { can } = useSession();
  const { data, error, loading } = useApi<{ message: MessageDetail }>(`/api/v1/messages/${encodeURIComponent(queueId)}`);
  const m = data?.message;
  return (
    <section>
      <p className="crumbs">
        <Link to="/messages">Messages</Link> / <span>{queueId}</span>
      </p>
      <h1 className="subject">{m === undefined ? queueId : (m.subject ?? '(no subject)')}</h1>
      <ErrorBox error={error} />
      {loading && <p className="muted">Loading…</p>}
      {m !== undefined && (
        <>
          {m.status === 'quarantined' && can('quarantine:read') && (
            <p className="notice">
              This message is held in the quarantine. <Link to={`/quarantine/${encodeURIComponent(m.queueId)}`}>Open it in the quarantine</Link>.
            </p>
          )}
          {m.huntMatches !== undefined && m.huntMatches.length > 0 && (
            <div className="hunt-mark" role="note" aria-label="Found by retro-hunt">
              <strong>Found by retro-hunt</strong>: this message carries indicators that arrived after it{m.status === 'delivered' ? ' and it was delivered: pull it from the mailboxes' : ''}.
              <ul>
                {m.huntMatches.map((h, i) => (
                  <li key={i}>
                    {h.indicatorType} <code>{h.indicatorValue}</code> in {h.matchedField}, {formatTime(h.foundAt)}
                    {can('intel:read') && (
                      <>
                        {' '}
                        (<Link to={`/hunts/${h.runId}`}>hunt {h.runId}</Link>)
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="columns">
            <div>
              <h2>Envelope</h2>
              <KeyValues
                rows={[
                  ['Queue id', <code>{m.queueId}</code>],
                  ['Received', formatTime(m.receivedAt)],
                  ['MAIL FROM', m.mailFrom === '' ? '<>' : m.mailFrom],
                  ['Header From', m.headerFrom ?? ''],
                  ['Recipients', m.recipients.map((r) => `${r.recipient} (${r.status})`).join(', ')],
                  ['Message-ID', m.messageId ?? ''],
                  ['Client', `${m.clientIp}:${m.clientPort}${m.clientRdns === undefined ? '' : ` (${m.clientRdns})`}`],
                  ['HELO', m.helo],
                  ['TLS', m.tls === undefined ? 'none' : `${m.tls.protocol} ${m.tls.cipher}`],
                  ['Size', `${m.size} bytes`],
                  ['SHA-256', <code className="hash">{m.sha256}</code>],
                ]}
              />
            </div>
            <div>
              <h2>Verdict</h2>
              <KeyValues
                rows={[
                  ['Action', <span className={`badge action-${m.action}`}>{m.action}</span>],
                  ['Score', text(m.score)],
                  ['Status', m.status],
                  ['Policy version', <code>{m.policyVersion}</code>],
                  ['Analysis time', `${m.elapsedMs} ms`],
                ]}
              />
              <h3>Reasons</h3>
              {m.reasons.length === 0 ? (
                <p className="muted">none</p>
              ) : (
                <ul>
                  {m.reasons.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              )}
              <h2>Authentication</h2>
              {m.auth === undefined ? (
                <p className="muted">Not checked.</p>
              ) : (
                <KeyValues
                  rows={[
                    ['SPF', m.auth.spf],
                    ['DKIM', m.auth.dkim],
                    ['DMARC', m.auth.dmarc],
                    ['ARC', m.auth.arc],
                  ]}
                />
              )}
            </div>
          </div>
          <h2>Artifacts and findings</h2>
          <table className="list" aria-label="Artifacts">
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Name</th>
                <th scope="col">Declared type</th>
                <th scope="col">Detected type</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {m.artifacts.map((a) => (
                <tr key={a.path}>
                  <td>
                    <code>{a.path}</code>
                  </td>
                  <td className="clip">{a.declaredName ?? ''}</td>
                  <td>{a.declaredType}</td>
                  <td>{a.detectedType ?? ''}</td>
                  <td className="num">{a.size}</td>
                  <td>
                    <FindingList findings={m.findings.filter((f) => f.artifact === a.path)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Message-level findings</h3>
          <FindingList findings={m.findings.filter((f) => f.artifact === undefined || !m.artifacts.some((a) => a.path === f.artifact))} />
          {m.urls.length > 0 && (
            <>
              <h3>URLs (not links)</h3>
              <ul className="urls">
                {m.urls.map((u, i) => (
                  <li key={i}>
                    <code>{u}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>Delivery attempts</h2>
          {m.attempts.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="list" aria-label="Delivery attempts">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reply</th>
                  <th scope="col" className="num">
                    ms
                  </th>
                </tr>
              </thead>
              <tbody>
                {m.attempts.map((a, i) => (
                  <tr key={i}>
                    <td className="nowrap">{formatTime(a.at)}</td>
                    <td>{a.recipient}</td>
                    <td>{a.target}</td>
                    <td>{a.outcome}</td>
                    <td className="clip">{a.reply}</td>
                    <td className="num">{a.durationMs}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
