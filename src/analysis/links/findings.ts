/**
 * Findings of the links pass, as data (policy may override a score per
 * symbol). Link findings name the part where the first offending URL was
 * seen; impersonation findings are about the header block (no artifact).
 * Scores: a lookalike of a protected domain or a protected person is strong
 * evidence alone; the rest are weak signals that also fire on real mail
 * (IDNs, shorteners, mailing-list Reply-To) and only add up.
 */
import type { Finding } from '../../core/index.js';
import { findingBuilder, type FindingSpec, type FindingTable } from '../finding-table.js';

export const LINKS_ENGINE = 'links';
export const IMPERSONATION_ENGINE = 'impersonation';

export const LINK_FINDINGS = {
  // Anchor text shows one site (a URL or domain) and the href goes to another: the classic phishing link.
  LINK_TEXT_MISMATCH: { score: 6, severity: 'medium' },
  // A link to a bare IP address (also decimal/hex/octal forms, which the parser turns into dotted ones).
  LINK_IP_LITERAL: { score: 3, severity: 'medium' },
  // An IDN host (xn-- label). Real internationalised domains exist, hence the small score.
  LINK_PUNYCODE: { score: 1, severity: 'low' },
  // A host label mixing scripts (Latin with Cyrillic or Greek): a homograph, no real name does this.
  LINK_MIXED_SCRIPT: { score: 8, severity: 'high' },
  // `https://www.bank.example@evil.example/`: text before `@` dressed as a host, the link goes after it.
  LINK_USERINFO: { score: 6, severity: 'medium' },
  // A link shortener hides the destination; marketing uses them too, hence the small score.
  LINK_SHORTENER: { score: 1, severity: 'low' },
  // A host whose site imitates a protected domain (own domains, configured brands).
  LINK_LOOKALIKE: { score: 10, severity: 'high' },
  // A link to a site this installation first saw in mail days ago at most (phishing sites are
  // young); decided on the main thread from the domain sightings, once the installation has watched long enough.
  LINK_NEW_DOMAIN: { score: 2, severity: 'low' },
} as const satisfies FindingTable;

export const IMPERSONATION_FINDINGS = {
  // From display name is a protected person (VIP) but the address is not one of theirs.
  IMPERSONATION_VIP: { score: 10, severity: 'high' },
  // From domain imitates a protected domain (an internal one or a configured brand).
  FROM_LOOKALIKE: { score: 10, severity: 'high' },
  // Replies go to a free-mail address while the sender is not free-mail (business-email-compromise redirect).
  REPLYTO_FREEMAIL: { score: 3, severity: 'medium' },
  // Replies go to a domain imitating a protected one.
  REPLYTO_LOOKALIKE: { score: 8, severity: 'high' },
  // Replies go to another site than the sender's; mailing lists and ticket systems do this too.
  REPLYTO_DIVERGES: { score: 1, severity: 'low' },
} as const satisfies FindingTable;

export type LinkSymbol = keyof typeof LINK_FINDINGS;
export type ImpersonationSymbol = keyof typeof IMPERSONATION_FINDINGS;

/** Builds a links finding on a part; `detail` must already be escaped where it quotes message data. */
export const createLinkFinding = findingBuilder(LINKS_ENGINE, LINK_FINDINGS);

/** Builds a message-level impersonation finding (about the header block, so no artifact). */
export function createImpersonationFinding(symbol: ImpersonationSymbol, detail: string): Finding {
  const { score, severity }: FindingSpec = IMPERSONATION_FINDINGS[symbol];
  return { engine: IMPERSONATION_ENGINE, symbol, score, severity, detail };
}
