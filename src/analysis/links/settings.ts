/**
 * What the links pass is configured with (EngineSettings.links): plain,
 * serialisable data, built into a LinkAnalyzer once per worker.
 */

/** A protected person: a display name impersonators copy, and the addresses they really write from. */
export interface ProtectedPerson {
  /** As people write it: `Jane Doe` (also matched as `Doe, Jane`, any case, diacritics and spacing). */
  readonly name: string;
  /** Every address this person sends from; mail under their name from any other address is flagged. */
  readonly addresses: readonly string[];
}

export interface LinkSettings {
  /** The organization's own domains (the served domains): lookalikes of these in links, From and Reply-To are flagged. */
  readonly protectedDomains: readonly string[];
  /** Brand domains imitated in phishing (`paypal.com`, `microsoft.com`): lookalikes are flagged like the own domains. */
  readonly brands: readonly string[];
  /** Protected people (IMPERSONATION_VIP). */
  readonly vips: readonly ProtectedPerson[];
  /** Link-shortener domains; absent: the shipped list (tables.ts DEFAULT_SHORTENERS). */
  readonly shorteners?: readonly string[];
  /** Free-mail domains; absent: the shipped list (tables.ts DEFAULT_FREEMAIL). */
  readonly freemail?: readonly string[];
}
