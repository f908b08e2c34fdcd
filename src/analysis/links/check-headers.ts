/**
 * Impersonation in the header block: a protected person's name on an
 * address that is not theirs, a From domain imitating a protected one, and
 * a Reply-To that sends the answer elsewhere (free-mail, a lookalike, or
 * just another site).
 */
import type { Finding, MessageHeaders } from '../../core/index.js';
import { escapeForDisplay } from '../../core/index.js';
import type { RegistrableDomain } from './domain.js';
import { domainOfAddress } from './domain.js';
import { createImpersonationFinding } from './findings.js';
import type { Lookalike, LookalikeMatcher } from './lookalike.js';
import type { NamePattern } from './names.js';
import { nameMatches } from './names.js';

/** A protected person ready for matching: name pattern and lower-cased addresses. */
export interface CompiledPerson {
  readonly name: string;
  readonly pattern: NamePattern;
  readonly addresses: ReadonlySet<string>;
}

export interface HeaderCheckContext {
  readonly registrable: RegistrableDomain;
  readonly lookalikes: LookalikeMatcher;
  readonly freemail: ReadonlySet<string>;
  readonly vips: readonly CompiledPerson[];
}

/** The impersonation findings of one header block (see README.md for each symbol). */
export function checkHeaders(ctx: HeaderCheckContext, headers: MessageHeaders): Finding[] {
  const findings: Finding[] = [];
  const from = headers.fromAddress?.toLowerCase();
  const fromDomain = from === undefined ? undefined : domainOfAddress(from);
  const shownFrom = escapeForDisplay(from ?? '(none)', 120);
  if (headers.fromName !== undefined) {
    const name = headers.fromName;
    // One person may be listed more than once (the installation and an organization both protect them):
    // an address of any entry carrying the name is theirs.
    const named = ctx.vips.filter((p) => nameMatches(name, p.pattern));
    const person = named[0];
    if (person !== undefined && (from === undefined || !named.some((p) => p.addresses.has(from)))) {
      findings.push(
        createImpersonationFinding('IMPERSONATION_VIP', `From name "${escapeForDisplay(name, 80)}" is protected person ${escapeForDisplay(person.name, 80)}, but the address ${shownFrom} is not theirs`),
      );
    }
  }
  const fromLookalike = fromDomain === undefined ? undefined : ctx.lookalikes.match(fromDomain);
  if (fromLookalike !== undefined && fromDomain !== undefined) {
    findings.push(createImpersonationFinding('FROM_LOOKALIKE', `From domain ${escapeForDisplay(fromDomain, 120)} ${describeLookalike(fromLookalike)}`));
  }
  const replyTo = headers.replyTo?.toLowerCase();
  const replyDomain = replyTo === undefined ? undefined : domainOfAddress(replyTo);
  if (replyTo === undefined || replyDomain === undefined || replyTo === from) return findings;
  const shownReply = escapeForDisplay(replyTo, 120);
  const replySite = ctx.registrable(replyDomain);
  const fromSite = fromDomain === undefined ? undefined : ctx.registrable(fromDomain);
  let strong = false;
  const isFreemail = (domain: string): boolean => ctx.freemail.has(domain) || ctx.freemail.has(ctx.registrable(domain));
  if (isFreemail(replyDomain) && (fromDomain === undefined || !isFreemail(fromDomain))) {
    findings.push(createImpersonationFinding('REPLYTO_FREEMAIL', `replies go to free-mail address ${shownReply}, the sender is ${shownFrom}`));
    strong = true;
  }
  const replyLookalike = ctx.lookalikes.match(replyDomain);
  if (replyLookalike !== undefined) {
    findings.push(createImpersonationFinding('REPLYTO_LOOKALIKE', `replies go to ${shownReply}, whose domain ${describeLookalike(replyLookalike)}`));
    strong = true;
  }
  // The stronger Reply-To findings already say the answer goes elsewhere; this one is for the plain case.
  if (!strong && replySite !== fromSite) {
    findings.push(createImpersonationFinding('REPLYTO_DIVERGES', `replies go to ${shownReply}, another site than the sender ${shownFrom}`));
  }
  return findings;
}

function describeLookalike(l: Lookalike): string {
  const how = l.how === 'edit-distance' ? `${l.distance ?? '?'} edit(s) away` : l.how === 'confusable' ? 'by confusable characters' : 'by carrying it as labels';
  return `imitates protected domain ${l.target} (${how})`;
}
