/**
 * The hidden campaign, modelled on UNC4841 (../shared/THREAT.md): generic,
 * broken-grammar lures with tar attachments whose member names carry shell
 * commands (CVE-2023-2868 class, ARCHIVE_NAME_SHELL_META), sent in waves over
 * about seven months with a three-day spike, to government, foreign-affairs,
 * trade and academic organizations in 19 countries. Most are blocked; a few
 * early ones, whose archive the detection missed, were delivered.
 */
import { escapeForDisplay, type Finding } from '../../core/index.js';
import { attachment, dayOf, draft, fill, pickPerson, addressAt, timeOn, type DemoDraft, type DemoWindow } from './compose.js';
import type { Dice } from './random.js';
import type { DemoOrganization } from './types.js';

interface Lure {
  readonly subject: string;
  readonly body: string;
  readonly archive: string;
}

// Generic and a little ungrammatical, as the reports describe; the slots differ per recipient.
const LURES: readonly Lure[] = [
  {
    subject: 'Invitation to regional policy consultation {date}',
    body: 'Dear {name},\nWe kindly inviting you for participate in the regional consultation about trade and security policy which will held on {date}. Please find attached the agenda and the list of participant for your review. Kindly confirm your attendance before the deadline to secretariat office, reference {ref}.\nBest regards,\nSecretariat of the Regional Policy Forum',
    archive: 'agenda.tar',
  },
  {
    subject: 'Updated visa regulation notice for official delegation',
    body: 'Dear {name},\nPlease be informed that visa regulation for official delegation is updated from {date}. The new procedure and required document are in the attached file, please read it careful and share with your colleague who travel. For question contact the consular desk with reference {ref}.\nSincerely,\nConsular Affairs Desk',
    archive: 'visa_notice.tar',
  },
  {
    subject: 'Draft memorandum of understanding for your comment',
    body: 'Dear {name},\nAs discussed in last meeting we are sending the draft memorandum of understanding between our institutions for your comment. Kindly review the attached draft and send back the comments until {date} so the final version can be sign. Our file number is {ref}.\nWith best regards,\nOffice of International Cooperation',
    archive: 'memorandum_draft.tar',
  },
  {
    subject: 'Academic exchange program call for nomination',
    body: 'Dear {name},\nThe academic exchange program for researcher and official is open now for nomination. Candidate documents must be submit before {date} by the form in attached archive. Please forward this call to the relevant department, program code {ref}.\nKind regards,\nExchange Program Committee',
    archive: 'exchange_program.tar',
  },
];

// base64 of a harmless command: the demo carries the exploit's shape, not a working payload.
const PAYLOAD = 'ZWNobyBtb2F0LWRlbW8tcGF5bG9hZCA+IC9kZXYvbnVsbAo=';

interface Variant {
  readonly archiveSha256: string;
  readonly memberName: string;
  readonly memberSha256: string;
  /** Why the member-name check fires (the reason inspectMemberNames gives); undefined: this variant was missed. */
  readonly why?: string;
}

/** Member names of the detected variants (the shapes of the published CVE-2023-2868 strings). */
export const CAMPAIGN_MEMBER_NAMES = {
  a: `'$(abcdefg=${PAYLOAD};echo $abcdefg | base64 -d | sh)'.pdf`,
  b: `\`abcdefg=${PAYLOAD};ee=ba;G=s;_ech_o $abcdefg_\${ee}se64 -d | sh\`.docx`,
  c: `'$(echo -n ${PAYLOAD} | base64 -d | sh)'.xlsx`,
} as const;

/** The reason the member-name check gives for each detected variant (checked against it by the unit test). */
export const CAMPAIGN_MEMBER_REASONS = {
  a: '$( (command substitution)',
  b: 'a backtick (command substitution)',
  c: '$( (command substitution)',
} as const;

/** Sender infrastructure: two hosting networks (HK, SG) and two look-alike organization domains plus a public webmail one. */
const CAMPAIGN_HOSTS: readonly string[] = ['8.210.10.37', '8.210.10.88', '8.210.10.141', '8.129.185.23', '8.129.185.74', '8.129.185.202'];
const CAMPAIGN_DOMAINS: readonly string[] = ['regional-policy-forum.example', 'intl-cooperation-office.example'];
/** A public webmail domain: ordinary people send from it too (noise shares it). */
export const PUBLIC_WEBMAIL_DOMAIN = 'globalmail.example';
const SENDER_LOCALS: readonly string[] = ['secretariat', 'events', 'consular.desk', 'cooperation'];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function shellFinding(variant: Variant, archivePath: string): Finding {
  const memberPath = `${archivePath}/${escapeForDisplay(variant.memberName)}`;
  return {
    engine: 'archive',
    symbol: 'ARCHIVE_NAME_SHELL_META',
    score: 40,
    severity: 'critical',
    detail: `member name "${escapeForDisplay(variant.memberName)}" holds ${variant.why ?? ''}`,
    artifact: memberPath,
  };
}

export interface CampaignPlan {
  readonly drafts: readonly DemoDraft[];
  readonly spikeDays: readonly string[];
}

/** Generates the campaign's messages over the window; every target organization gets at least two. */
export function generateCampaign(dice: Dice, organizations: readonly DemoOrganization[], window: DemoWindow): CampaignPlan {
  const targets = organizations.filter((o) => o.target);
  const variants: Record<'a' | 'b' | 'c' | 'missed', Variant> = {
    a: { archiveSha256: dice.hex(64), memberName: CAMPAIGN_MEMBER_NAMES.a, memberSha256: dice.hex(64), why: CAMPAIGN_MEMBER_REASONS.a },
    b: { archiveSha256: dice.hex(64), memberName: CAMPAIGN_MEMBER_NAMES.b, memberSha256: dice.hex(64), why: CAMPAIGN_MEMBER_REASONS.b },
    c: { archiveSha256: dice.hex(64), memberName: CAMPAIGN_MEMBER_NAMES.c, memberSha256: dice.hex(64), why: CAMPAIGN_MEMBER_REASONS.c },
    // The first variant: plain member names, the payload inside a document; the name check had nothing to see.
    missed: { archiveSha256: dice.hex(64), memberName: 'agenda_final.pdf', memberSha256: dice.hex(64) },
  };
  // Six short waves and a three-day spike late in the window (day offsets as fractions of the window).
  const waveStarts = [0.05, 0.19, 0.33, 0.47, 0.6, 0.88].map((f) => Math.floor(window.days * f));
  const spikeStart = Math.floor(window.days * 0.74);
  const spikeDays = [0, 1, 2].map((d) => dayOf(window, spikeStart + d));

  // Each target is hit at least twice (so losing one message does not lose the organization), some more.
  const slots: DemoOrganization[] = [...targets, ...targets, ...dice.sample(targets, Math.round(targets.length / 2))];
  const order = dice.sample(slots, slots.length);
  const spikeCount = Math.round(order.length * 0.36);
  const drafts: DemoDraft[] = [];
  order.forEach((organization, index) => {
    const inSpike = index < spikeCount;
    const wave = inSpike ? -1 : index % waveStarts.length;
    const day = inSpike ? spikeStart + (index % 3) : (waveStarts[wave] ?? 0) + dice.int(0, 1);
    // Missed: a share of the first two waves (before the variants the check catches) and of the fourth.
    const missed = !inSpike && (wave === 0 || wave === 1 || wave === 3) && dice.chance(0.4);
    const variant = missed ? variants.missed : inSpike || wave >= 4 ? variants.c : wave >= 2 ? variants.b : variants.a;
    const lure = inSpike ? (LURES[index % 2] as Lure) : (LURES[wave % LURES.length] as Lure);
    const person = pickPerson(dice);
    const recipients = [addressAt(person, organization)];
    // Targeting at the organizational and the individual level: sometimes a second account of the same office.
    if (dice.chance(0.3)) recipients.push(addressAt(pickPerson(dice), organization));
    const when = new Date(window.startMs + (day + 20) * 86_400_000);
    const slotsText = {
      name: `${person.first} ${person.last}`,
      date: `${when.getUTCDate()} ${MONTHS[when.getUTCMonth()] ?? ''} ${when.getUTCFullYear()}`,
      ref: `${dice.pick(['RPF', 'CA', 'MOU', 'AEP'])}/${dice.int(100, 999)}-${dice.int(10, 99)}`,
    };
    const host = dice.pick(CAMPAIGN_HOSTS);
    const webmail = dice.chance(0.2);
    const senderDomain = webmail ? PUBLIC_WEBMAIL_DOMAIN : dice.pick(CAMPAIGN_DOMAINS);
    const local = webmail ? `${dice.pick(['policy', 'forum', 'delegation'])}.${dice.int(1960, 1999)}` : dice.pick(SENDER_LOCALS);
    const archivePath = '2';
    const archive = attachment(archivePath, lure.archive, 'application/x-tar', { type: 'application/x-tar', extension: 'tar' }, dice.int(10_240, 30_720), variant.archiveSha256);
    const member = attachment(`${archivePath}/${escapeForDisplay(variant.memberName)}`, escapeForDisplay(variant.memberName), 'application/octet-stream', undefined, dice.int(200, 900), variant.memberSha256);
    const hostIndex = CAMPAIGN_HOSTS.indexOf(host);
    drafts.push(
      draft(dice, {
        kind: 'campaign',
        organization,
        receivedAt: timeOn(dice, window, day),
        mailFrom: `${local}@${senderDomain}`,
        rcptTo: recipients,
        clientIp: host,
        helo: hostIndex < 3 ? `mx${hostIndex + 1}.${CAMPAIGN_DOMAINS[0] ?? ''}` : `smtp${hostIndex - 2}.${CAMPAIGN_DOMAINS[1] ?? ''}`,
        headerFrom: `"${dice.pick(['Secretariat', 'Consular Affairs', 'International Cooperation'])}" <${local}@${senderDomain}>`,
        subject: fill(lure.subject, slotsText),
        bodyText: fill(lure.body, slotsText),
        attachments: [archive, member],
        findings: variant.why === undefined ? [] : [shellFinding(variant, archivePath)],
        // ARCHIVE_NAME_SHELL_META scores at the reject threshold; some sites quarantine instead.
        action: variant.why === undefined ? 'deliver' : dice.chance(0.7) ? 'reject' : 'quarantine',
      }),
    );
  });
  return { drafts, spikeDays };
}
