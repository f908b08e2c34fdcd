/**
 * Known spam structures, as rules over facts the tokenizer gathered: each
 * rule is a predicate on `ContentFacts` with its thresholds in one table.
 * Why each exists, and how often it fires on ham and spam, is in
 * docs/DETECTION.md.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import { buildSpamFinding } from './findings.js';
import type { SpamSymbol } from './findings.js';

/** What the rules look at; gathered by inspectSpamContent in one pass over the message. */
export interface ContentFacts {
  readonly subject?: string;
  /** Part path of the first text part holding the GTUBE string. */
  readonly gtubePath?: string;
  readonly hasHtml: boolean;
  /** White-space separated words of visible text in text/plain parts, and in HTML parts. */
  readonly plainWords: number;
  readonly htmlWords: number;
  /** `<img src>` in HTML plus inline image parts. */
  readonly images: number;
  /** Links in HTML plus URLs in plain text. */
  readonly links: number;
  /** Non-space characters inside CSS-hidden elements. */
  readonly hiddenChars: number;
  /** The message is one text/* part sent with Content-Transfer-Encoding: base64. */
  readonly base64Text: boolean;
}

/** The rules' thresholds (data, so that a change is a one-line diff with its reason). */
export const CONTENT_RULE_LIMITS = {
  // Fewer words than this beside an image: the image is the message.
  imageOnlyMaxWords: 25,
  // Fewer words than this beside a link: the link is the message.
  linkOnlyMaxWords: 10,
  // Hidden characters below this are preheaders and layout spacers.
  hiddenMinChars: 30,
  // Subject: at least this many letters, this share of them capitals.
  shoutingMinLetters: 10,
  shoutingUpperShare: 0.7,
  // Subject: this many `!` in it.
  shoutingExclamations: 3,
} as const;

const GTUBE_DETAIL = 'the GTUBE anti-spam test string';

/** The content rule findings for one message. */
export function evaluateContentRules(facts: ContentFacts): Finding[] {
  const limits = CONTENT_RULE_LIMITS;
  const out: Finding[] = [];
  const hit = (symbol: SpamSymbol, detail: string, artifact?: string): void => {
    const finding = buildSpamFinding(symbol, detail, artifact ?? '');
    if (artifact === undefined) {
      const { artifact: _unused, ...messageLevel } = finding;
      out.push(messageLevel);
    } else {
      out.push(finding);
    }
  };
  if (facts.gtubePath !== undefined) hit('SPAM_GTUBE', `part ${facts.gtubePath}: ${GTUBE_DETAIL}`, facts.gtubePath);
  const words = Math.max(facts.plainWords, facts.htmlWords);
  if (facts.hasHtml && facts.images > 0 && words < limits.imageOnlyMaxWords) {
    hit('SPAM_IMAGE_ONLY', `${facts.images} image(s) and ${words} word(s) of text`);
  } else if (facts.hasHtml && facts.links > 0 && words < limits.linkOnlyMaxWords) {
    // HTML only: a short plain-text note with a link is how people share an article (2% of the corpus' ham did).
    hit('SPAM_LINK_ONLY', `${facts.links} link(s) and ${words} word(s) of text`);
  }
  if (facts.hiddenChars >= limits.hiddenMinChars) hit('SPAM_HIDDEN_TEXT', `${facts.hiddenChars} characters of text hidden by CSS`);
  const shouting = describeShouting(facts.subject ?? '');
  if (shouting !== undefined) hit('SPAM_SUBJECT_SHOUTING', `${shouting}: "${escapeForDisplay(facts.subject ?? '', 80)}"`);
  if (facts.base64Text) hit('SPAM_BASE64_TEXT', 'a single text part sent base64-encoded');
  return out;
}

function describeShouting(subject: string): string | undefined {
  const limits = CONTENT_RULE_LIMITS;
  const letters = subject.match(/\p{L}/gu)?.length ?? 0;
  const upper = subject.match(/\p{Lu}/gu)?.length ?? 0;
  if (letters >= limits.shoutingMinLetters && upper / letters >= limits.shoutingUpperShare) return 'subject mostly in capitals';
  const bangs = subject.match(/[!¡！]/gu)?.length ?? 0;
  if (bangs >= limits.shoutingExclamations) return `subject with ${bangs} exclamation marks`;
  return undefined;
}
