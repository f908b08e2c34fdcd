/**
 * Config section `links`: what the links and impersonation pass protects
 * (src/analysis/links). The served domains are added to `protectedDomains`
 * by the composition root; this section holds what only the operator knows.
 * The parsed value is structurally the analysis' `LinkSettings` once the
 * served domains are merged in.
 */
import { z } from 'zod';

const domain = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/\.$/, ''))
  .pipe(z.string().regex(/^(?=.{1,253}$)[\p{L}\p{N}]([\p{L}\p{N}-]{0,62})(\.[\p{L}\p{N}]([\p{L}\p{N}-]{0,62}))+$/u, 'must be a domain such as example.com'));
const address = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().regex(/^[^\s@]{1,64}@[^\s@]{1,253}$/, 'must be an address such as jane.doe@example.com'));

/** A protected person as config and policy write it: the name impersonators copy and the addresses really theirs. */
export const protectedPersonSchema = z.strictObject({ name: z.string().trim().min(3).max(200), addresses: z.array(address).max(100) });

export const linksSectionSchema = z.strictObject({
  /** Domains protected besides the served ones (other domains the organization owns): their lookalikes are flagged. */
  protectedDomains: z.array(domain).max(1000),
  /** Brand domains phishing imitates (`paypal.com`): lookalikes in links, From and Reply-To are flagged. */
  brands: z.array(domain).max(1000),
  /** Protected people: mail showing their name from any address not listed here is IMPERSONATION_VIP. */
  vips: z.array(protectedPersonSchema).max(10_000),
  /** Link-shortener domains (LINK_SHORTENER); absent: the shipped list (src/analysis/links/tables.ts). */
  shorteners: z.array(domain).max(10_000).optional(),
  /** Free-mail domains (REPLYTO_FREEMAIL); absent: the shipped list (src/analysis/links/tables.ts). */
  freemail: z.array(domain).max(10_000).optional(),
  /** LINK_NEW_DOMAIN: a linked site first seen in this installation's mail within this many days; 0: off. */
  newDomainDays: z.number().int().min(0).max(365),
});

export type LinksSection = z.infer<typeof linksSectionSchema>;

/** Shipped defaults: nothing protected beyond the served domains until the operator says so. */
export const LINKS_DEFAULTS: LinksSection = {
  protectedDomains: [],
  brands: [],
  vips: [],
  newDomainDays: 7,
};
