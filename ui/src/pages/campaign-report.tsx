/**
 * One campaign's report: who was hit (organizations, recipients, countries
 * and region shares, on a world map and in tables), from where (sender
 * countries), when (a daily timeline with peaks), with what (lures,
 * attachment types, findings, indicators) and with what outcome (delivered
 * vs blocked); the member messages with their evidence; CSV and STIX 2.1
 * downloads; and for intel:write rename, attribution, merge and split.
 * The page prints on A4 (styles.css, @media print): no navigation or
 * controls, one section per page where it helps.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { campaignPath, formatShare, type CampaignDetail } from '../campaign-types';
import { CountTable } from '../count-table';
import { ErrorBox, formatTime, useApi } from '../format';
import { RegionChart, regionRows } from '../region-chart';
import { Link } from '../router';
import { useSession } from '../session';
import { TimelineChart } from '../timeline-chart';
import { CampaignMergeForm, CampaignNameForm } from './campaign-edit';
import { CampaignMembers } from './campaign-members';

// The map carries the world atlas (~100 KB): loaded only when a report is opened.
const WorldMap = lazy(() => import('../world-map').then((m) => ({ default: m.WorldMap })));

export function CampaignReportPage({ id }: { readonly id: string }): ReactNode {
  const { can } = useSession();
  const numeric = /^\d{1,15}$/.test(id) ? Number(id) : undefined;
  const answer = useApi<CampaignDetail>(numeric === undefined ? undefined : campaignPath(numeric));
  const writable = can('intel:write');
  const data = answer.data;

  if (numeric === undefined) return <p className="error">Not a campaign id.</p>;
  if (data === undefined) {
    return (
      <section>
        <p className="crumbs no-print">
          <Link to="/campaigns">Campaigns</Link> / #{id}
        </p>
        <ErrorBox error={answer.error} />
        {answer.error === undefined && <p className="muted">Loading…</p>}
      </section>
    );
  }

  const { campaign, report, members } = data;
  const totals = report.totals;
  const exportBase = campaignPath(campaign.id);
  return (
    <article className="campaign-report">
      <p className="crumbs no-print">
        <Link to="/campaigns">Campaigns</Link> / #{campaign.id}
      </p>
      <h1 data-testid="campaign-name">{campaign.name}</h1>
      <p className="byline">
        {campaign.actor === undefined || campaign.actor === '' ? <span className="muted">Actor unattributed</span> : <span data-testid="campaign-actor">Actor: {campaign.actor}</span>} ·{' '}
        <span className="muted">
          campaign #{campaign.id}, {campaign.status}
          {campaign.mergedInto === undefined ? '' : ` into #${campaign.mergedInto}`}, updated {formatTime(campaign.updatedAt)}
        </span>
      </p>
      {campaign.mergedInto !== undefined && (
        <p className="notice no-print">
          This campaign was merged into <Link to={`/campaigns/${campaign.mergedInto}`}>campaign #{campaign.mergedInto}</Link>.
        </p>
      )}
      <div className="toolbar no-print" role="group" aria-label="Report actions">
        <a className="button-link" href={`${exportBase}/export.csv`} download>
          Download CSV
        </a>
        <a className="button-link" href={`${exportBase}/export.stix.json`} download>
          Download STIX 2.1
        </a>
        <button type="button" onClick={() => window.print()}>
          Print
        </button>
      </div>

      <dl className="totals" aria-label="Key figures">
        <Figure label="Organizations" value={totals.organizations} testId="total-organizations" />
        <Figure label="Recipients" value={totals.recipients} />
        <Figure label="Countries" value={totals.countries} />
        <Figure label="Messages" value={totals.messages} />
        <Figure label="Delivered" value={totals.delivered} className="total-deliver" />
        <Figure label="Blocked" value={totals.blocked} className="total-blocked" />
        <div>
          <dt>First seen</dt>
          <dd className="time">{formatTime(report.timeline.firstSeen)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd className="time">{formatTime(report.timeline.lastSeen)}</dd>
        </div>
      </dl>

      <section className="report-section" aria-labelledby="reach-heading">
        <h2 id="reach-heading">Reach: countries and regions</h2>
        <div className="columns">
          <div>
            <h3>Region shares</h3>
            <RegionChart regions={report.regions} unknown={report.unknownCountryOrganizations} />
            <table className="list compact" aria-label="Region shares">
              <thead>
                <tr>
                  <th scope="col">Region</th>
                  <th scope="col" className="num">
                    Organizations
                  </th>
                  <th scope="col" className="num">
                    Share
                  </th>
                </tr>
              </thead>
              <tbody>
                {regionRows(report.regions).map((r) => (
                  <tr key={r.region}>
                    <th scope="row">{r.region}</th>
                    <td className="num">{r.organizations}</td>
                    <td className="num">{formatShare(r.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            <h3>Countries hit</h3>
            {report.countries.length === 0 ? (
              <p className="muted">No organization hit has a known country.</p>
            ) : (
              <table className="list compact" aria-label="Countries hit">
                <thead>
                  <tr>
                    <th scope="col">Country</th>
                    <th scope="col">Region</th>
                    <th scope="col" className="num">
                      Organizations
                    </th>
                    <th scope="col" className="num">
                      Messages
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.countries.map((c) => (
                    <tr key={c.country}>
                      <th scope="row">
                        {c.name} <span className="muted">({c.country})</span>
                      </th>
                      <td>{c.region}</td>
                      <td className="num">{c.organizations}</td>
                      <td className="num">{c.messages}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
        <h3>World map</h3>
        <Suspense fallback={<p className="muted">Loading the map…</p>}>
          <WorldMap countries={report.countries} />
        </Suspense>
        <h3>Sectors</h3>
        <CountTable
          label="Sectors"
          head="Sector"
          countHead="Organizations"
          rows={report.sectors.map((s) => [s.sector, s.organizations] as const)}
          empty="No organization has a sector (configuration organizations[].sector)."
        />
      </section>

      <section className="report-section print-break" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <p>
          First seen <strong>{formatTime(report.timeline.firstSeen)}</strong>, last seen <strong>{formatTime(report.timeline.lastSeen)}</strong>
          {report.timeline.peaks.length > 0 && (
            <>
              ; peak{report.timeline.peaks.length === 1 ? '' : 's'}{' '}
              <span data-testid="timeline-peaks">{report.timeline.peaks.map((p) => `${p.day.slice(0, 10)} (${p.messages} messages)`).join(', ')}</span>
            </>
          )}
          . Days are UTC.
        </p>
        <TimelineChart timeline={report.timeline} />
      </section>

      <section className="report-section" aria-labelledby="organizations-heading">
        <h2 id="organizations-heading">Organizations</h2>
        <table className="list compact" aria-label="Organizations hit">
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Country</th>
              <th scope="col">Region</th>
              <th scope="col" className="num">
                Messages
              </th>
              <th scope="col" className="num">
                Recipients
              </th>
              <th scope="col" className="num">
                Delivered
              </th>
              <th scope="col" className="num">
                Blocked
              </th>
            </tr>
          </thead>
          <tbody>
            {report.organizations.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.name}</th>
                <td>{o.country ?? <span className="muted">unknown</span>}</td>
                <td>{o.region ?? ''}</td>
                <td className="num">{o.messages}</td>
                <td className="num">{o.recipients}</td>
                <td className="num">{o.delivered}</td>
                <td className="num">{o.blocked}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="report-section print-break" aria-labelledby="content-heading">
        <h2 id="content-heading">Lures, attachments, findings and senders</h2>
        <div className="columns">
          <div>
            <h3>Lures</h3>
            <CountTable label="Lures" head="Subject" rows={report.lures.map((l) => [l.subject, l.messages] as const)} empty="No subjects." />
            <h3>Attachment types</h3>
            <CountTable label="Attachment types" head="Type" rows={report.attachmentTypes.map((a) => [a.type, a.messages] as const)} empty="No attachments." />
          </div>
          <div>
            <h3>Findings</h3>
            <CountTable label="Findings" head="Finding" code rows={report.findings.map((f) => [f.symbol, f.messages] as const)} empty="No findings." />
            <h3>Sender countries</h3>
            <CountTable label="Sender countries" head="Country" rows={report.senderCountries.map((s) => [`${s.name} (${s.country})`, s.messages] as const)} empty="No sender country known (no GeoIP match)." />
            <p className="muted footnote">Sender countries: country database by the Number Resource Organization (nro.net), CC BY 4.0, unless the installation configures its own (geo.countryDatabase).</p>
          </div>
        </div>
        {report.indicators.length > 0 && (
          <>
            <h3>Indicators</h3>
            <table className="list compact" aria-label="Indicators">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Value</th>
                  <th scope="col" className="num">
                    Messages
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.indicators.map((i) => (
                  <tr key={`${i.type}:${i.value}`}>
                    <td>{i.type}</td>
                    <td className="clip">
                      <code className="hash">{i.value}</code>
                    </td>
                    <td className="num">{i.messages}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <section className="report-section print-break" aria-labelledby="members-heading">
        <h2 id="members-heading">Messages ({members.length})</h2>
        <CampaignMembers key={`${campaign.id}:${campaign.updatedAt}`} campaign={campaign} members={members} writable={writable && campaign.status === 'active'} />
      </section>

      {writable && campaign.status === 'active' && (
        <div className="columns campaign-forms no-print">
          <CampaignNameForm key={campaign.id} campaign={campaign} onChanged={answer.reload} />
          <CampaignMergeForm campaign={campaign} onChanged={answer.reload} />
        </div>
      )}
    </article>
  );
}

function Figure({ label, value, testId, className }: { readonly label: string; readonly value: number; readonly testId?: string; readonly className?: string }): ReactNode {
  return (
    <div className={className}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
