/**
 * The `auth` config section: sender authentication (SPF, DKIM, DMARC, ARC)
 * through mailauth. Wired into the main schema by app/config owners; the
 * factory in src/auth takes the parsed object plus the DNS resolver.
 */
import { z } from 'zod';

const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a DNS name');

export const authSectionSchema = z.strictObject({
  /** Run sender authentication at all. */
  enabled: z.boolean(),
  /** Worker threads for it: mailauth parses hostile headers and hashes bodies, away from the SMTP event loop. */
  workers: z.number().int().min(1).max(16),
  /** authserv-id in the Authentication-Results we add (RFC 8601 §2.5); empty: the SMTP hostname. */
  authservId: z.string(),
  /** Deadline for one message's whole authentication, DNS included; past it: *_TEMPERROR findings. */
  timeoutMs: z.number().int().min(100).max(120_000),
  /** Messages larger than this are SPF-checked only (AUTH_TOO_LARGE); keep it at or above smtp.maxMessageBytes. */
  maxMessageBytes: z.number().int().positive(),
  /** Header blocks larger than this are SPF-checked only (AUTH_TOO_LARGE): mailauth holds the header block in memory. */
  maxHeaderBytes: z.number().int().positive(),
  /** DKIM-Signature fields verified per message; the rest are ignored (DKIM_TOO_MANY): each costs a body hash and a DNS query. */
  maxSignatures: z.number().int().min(1).max(100),
  /** Smallest RSA key accepted for DKIM and ARC, in bits (RFC 8301 §3.2: at least 1024). */
  minKeyBits: z.number().int().min(512).max(8192),
  spf: z.strictObject({
    /** DNS-querying terms per SPF evaluation (RFC 7208 §4.6.4: 10). */
    maxLookups: z.number().int().min(1).max(50),
    /** Lookups answering NXDOMAIN/NODATA per SPF evaluation (RFC 7208 §4.6.4: 2). */
    maxVoidLookups: z.number().int().min(0).max(50),
  }),
  /** ARC sealers (their d= domain) whose word that a message passed upstream overrides a DMARC failure. */
  trustedArcSealers: z.array(domain),
  /** Seal relayed messages with ARC (RFC 8617 §5.1); null: do not seal. */
  arcSeal: z
    .strictObject({
      /** d= of our seal; its selector's public key must be published under it. */
      domain,
      selector: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i, 'must be a DKIM selector'),
      /** PEM file with the RSA or Ed25519 private key; readable only by the gateway. */
      privateKeyPath: z.string().min(1),
    })
    .nullable(),
});

export type AuthSection = z.infer<typeof authSectionSchema>;

/** Shipped defaults (what config/default.yaml carries), one per key above. */
export const DEFAULTS: AuthSection = {
  enabled: true,
  workers: 1,
  authservId: '',
  timeoutMs: 10_000,
  maxMessageBytes: 64 * 1024 * 1024,
  maxHeaderBytes: 1024 * 1024,
  maxSignatures: 10,
  minKeyBits: 1024,
  spf: { maxLookups: 10, maxVoidLookups: 2 },
  trustedArcSealers: [],
  arcSeal: null,
};
