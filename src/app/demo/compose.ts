/** Building blocks shared by the campaign and the noise: people, hosts, times, artifacts, verdicts. */
import type { Action, Artifact, Finding } from '../../core/index.js';
import type { MessageStatus } from '../../storage/index.js';
import type { Dice } from './random.js';
import type { DemoMessage, DemoOrganization } from './types.js';
import { FIRST_NAMES, LAST_NAMES, NETWORKS } from './world.js';

/** A message before its queue id is assigned (ids follow received order). */
export type DemoDraft = Omit<DemoMessage, 'queueId'>;

/** The time frame the data set covers. */
export interface DemoWindow {
  /** First day, 00:00 UTC, ms since the epoch. */
  readonly startMs: number;
  readonly days: number;
}

const DAY_MS = 86_400_000;

export interface Person {
  readonly first: string;
  readonly last: string;
}

/** A random person. */
export function pickPerson(dice: Dice): Person {
  return { first: dice.pick(FIRST_NAMES), last: dice.pick(LAST_NAMES) };
}

/** The person's address at the organization. */
export function addressAt(person: Person, organization: DemoOrganization): string {
  return `${person.first}.${person.last}@${organization.domain}`.toLowerCase();
}

/** A host in one of the country's /24 prefixes. */
export function hostIn(dice: Dice, country: string): string {
  const prefixes = NETWORKS[country];
  if (prefixes === undefined) throw new RangeError(`no demo networks for ${country}`);
  return `${dice.pick(prefixes)}.${dice.int(2, 254)}`;
}

/** A time on `day` (0-based within the window), mostly in working hours. */
export function timeOn(dice: Dice, window: DemoWindow, day: number): string {
  const hour = dice.chance(0.85) ? dice.int(7, 18) : dice.int(0, 23);
  const ms = window.startMs + day * DAY_MS + hour * 3_600_000 + dice.int(0, 3_599_999);
  return new Date(ms).toISOString();
}

/** The day (YYYY-MM-DD) of `day` within the window. */
export function dayOf(window: DemoWindow, day: number): string {
  return new Date(window.startMs + day * DAY_MS).toISOString().slice(0, 10);
}

/** The text/plain body leaf every message has. */
export function bodyArtifact(dice: Dice, text: string): Artifact {
  return { path: '1', declaredType: 'text/plain', detectedType: 'text/plain', disposition: 'inline', size: text.length, sha256: dice.hex(64) };
}

/** An attachment leaf. */
export function attachment(path: string, name: string, declaredType: string, detected: { type: string; extension: string } | undefined, size: number, sha256: string): Artifact {
  return {
    path,
    declaredName: name,
    declaredType,
    ...(detected === undefined ? {} : { detectedType: detected.type, detectedExtension: detected.extension }),
    disposition: 'attachment',
    size,
    sha256,
  };
}

const STATUS_OF: Readonly<Record<Action, MessageStatus>> = {
  deliver: 'delivered',
  tag: 'delivered',
  quarantine: 'quarantined',
  reject: 'rejected',
  defer: 'deferred',
};

export interface DraftInput {
  readonly kind: DemoDraft['kind'];
  readonly organization: DemoOrganization;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly clientIp: string;
  readonly helo: string;
  readonly headerFrom: string;
  readonly subject: string;
  readonly bodyText: string;
  readonly attachments?: readonly Artifact[];
  readonly urls?: readonly string[];
  readonly findings?: readonly Finding[];
  readonly action: Action;
}

/** A draft with the body leaf, a verdict score that sums the findings, and the status that goes with the action. */
export function draft(dice: Dice, input: DraftInput): DemoDraft {
  const findings = input.findings ?? [];
  const attachments = input.attachments ?? [];
  const score = findings.reduce((sum, f) => sum + f.score, 0);
  return {
    kind: input.kind,
    organization: input.organization.name,
    receivedAt: input.receivedAt,
    mailFrom: input.mailFrom,
    rcptTo: input.rcptTo,
    clientIp: input.clientIp,
    helo: input.helo,
    headerFrom: input.headerFrom,
    subject: input.subject,
    bodyText: input.bodyText,
    artifacts: [bodyArtifact(dice, input.bodyText), ...attachments],
    urls: input.urls ?? [],
    findings,
    action: input.action,
    score,
    reasons: findings.map((f) => `${f.symbol} (${f.score}): ${f.detail}`),
    status: STATUS_OF[input.action],
    size: 2_000 + input.bodyText.length + attachments.reduce((sum, a) => sum + Math.ceil(a.size * 1.37), 0),
    sha256: dice.hex(64),
  };
}

/** Fills `{name}`-style slots. */
export function fill(template: string, slots: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/gu, (whole, key: string) => slots[key] ?? whole);
}
