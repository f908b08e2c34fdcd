/** The demo data set's shapes: organizations, messages and the ground truth. */
import type { Action, Artifact, Finding } from '../../core/index.js';
import type { MessageStatus } from '../../storage/index.js';
import type { DemoRegion, DemoSector } from './world.js';

export interface DemoOrganization {
  /** Config and database name (`organizations[].name`). */
  readonly name: string;
  readonly domain: string;
  readonly country: string;
  readonly region: DemoRegion;
  readonly sector: DemoSector;
  /** Among the hidden campaign's targets. */
  readonly target: boolean;
}

/** What produced a message: the hidden campaign or one kind of noise. */
export type DemoMessageKind = 'campaign' | 'clean' | 'newsletter' | 'spam' | 'malware' | 'phishing' | 'exploit-probe';

/** One logged message, as the gateway would have recorded it. */
export interface DemoMessage {
  readonly queueId: string;
  readonly kind: DemoMessageKind;
  /** Organization (by name) of the recipients. */
  readonly organization: string;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly clientIp: string;
  readonly helo: string;
  readonly headerFrom: string;
  readonly subject: string;
  /** The text the recipient reads (the lure fingerprint is computed over subject and this). */
  readonly bodyText: string;
  readonly artifacts: readonly Artifact[];
  readonly urls: readonly string[];
  readonly findings: readonly Finding[];
  readonly action: Action;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly status: MessageStatus;
  readonly size: number;
  readonly sha256: string;
}

/** What the generator knows about the campaign it hid. */
export interface DemoGroundTruth {
  /** Queue ids of the hidden campaign's messages. */
  readonly campaignQueueIds: readonly string[];
  /** Its target organizations by region: the exact split a report must show. */
  readonly regionOrganizations: Readonly<Record<DemoRegion, number>>;
  readonly organizations: number;
  readonly countries: number;
  /** Members delivered (missed by detection) and blocked. */
  readonly delivered: number;
  readonly blocked: number;
  /** The three days of the spike (YYYY-MM-DD). */
  readonly spikeDays: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface DemoDataSet {
  readonly organizations: readonly DemoOrganization[];
  /** Sorted by receivedAt, then queue id. */
  readonly messages: readonly DemoMessage[];
  readonly truth: DemoGroundTruth;
}
