/**
 * CSV export of a campaign report for spreadsheet users: a summary block, then one row per member
 * message (organization, country, region, recipients, received, subject, outcome, evidence), then the
 * aggregate tables (regions, countries, organizations, timeline, indicators), each block headed by its
 * title and column names and separated by an empty line. RFC 4180 quoting, CRLF line ends, and
 * formula-safe: a cell that a spreadsheet would run as a formula gets a leading apostrophe.
 */
import type { CampaignReport } from './report.js';

type Cell = string | number | undefined;

// Spreadsheets evaluate a cell starting with these as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/u;

/** Quotes one cell (RFC 4180) after neutralising a formula start. */
export function csvCell(value: Cell): string {
  if (value === undefined) return '';
  let text = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}

/** The report as CSV text (formula-safe). */
export function campaignReportCsv(report: CampaignReport): string {
  const lines: string[] = [];
  const row = (...cells: Cell[]): void => {
    lines.push(cells.map(csvCell).join(','));
  };
  const block = (title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void => {
    lines.push('');
    row(title);
    row(...header);
    for (const r of rows) row(...r);
  };
  const { campaign, totals } = report;
  row('Campaign', campaign.name);
  row('Campaign id', campaign.id);
  if (campaign.actor !== undefined) row('Attributed to', campaign.actor);
  row('First seen', report.timeline.firstSeen);
  row('Last seen', report.timeline.lastSeen);
  row('Messages', totals.messages);
  row('Organizations', totals.organizations);
  row('Recipients', totals.recipients);
  row('Countries', totals.countries);
  row('Delivered', totals.delivered);
  row('Blocked', totals.blocked);
  row('Organizations of unknown country', report.unknownCountryOrganizations);
  block(
    report.messagesTruncated ? `Messages (first ${report.messages.length} of ${totals.messages})` : 'Messages',
    ['queue_id', 'received_at', 'organization', 'country', 'region', 'recipients', 'recipient_count', 'subject', 'sender', 'client_ip', 'sender_country', 'outcome', 'action', 'status', 'findings', 'evidence'],
    report.messages.map((m) => [
      m.queueId, m.receivedAt, m.organization, m.country, m.region, m.recipients.join('; '), m.recipients.length, m.subject, m.mailFrom, m.clientIp,
      m.senderCountry, m.outcome, m.action, m.status, m.findings.join('; '), m.evidence.join('; '),
    ]),
  );
  block('Regions', ['region', 'organizations', 'share_percent'], report.regions.map((r) => [r.region, r.organizations, (r.share * 100).toFixed(1)]));
  block('Countries', ['country', 'name', 'region', 'organizations', 'messages'], report.countries.map((c) => [c.country, c.name, c.region, c.organizations, c.messages]));
  block(
    'Organizations',
    ['organization_id', 'organization', 'country', 'region', 'sector', 'messages', 'recipients', 'delivered', 'blocked', 'first_seen', 'last_seen'],
    report.organizations.map((o) => [o.id, o.name, o.country, o.region, o.sector, o.messages, o.recipients, o.delivered, o.blocked, o.firstSeen, o.lastSeen]),
  );
  block('Sender countries', ['country', 'name', 'messages'], report.senderCountries.map((c) => [c.country, c.name, c.messages]));
  block('Timeline', ['day', 'messages', 'delivered', 'blocked', 'peak'], report.timeline.days.map((d) => [d.day, d.messages, d.delivered, d.blocked, report.timeline.peaks.some((p) => p.day === d.day) ? 'peak' : '']));
  block('Lures', ['subject', 'messages'], report.lures.map((l) => [l.subject, l.messages]));
  block('Attachment types', ['type', 'messages'], report.attachmentTypes.map((t) => [t.type, t.messages]));
  block('Findings', ['symbol', 'messages'], report.findings.map((f) => [f.symbol, f.messages]));
  block('Indicators', ['type', 'value', 'messages', 'first_seen', 'last_seen'], report.indicators.map((i) => [i.type, i.value, i.messages, i.firstSeen, i.lastSeen]));
  return `${lines.join('\r\n')}\r\n`;
}
