/**
 * DKIM test keys and signing: a key pair made per test run (node:crypto),
 * the TXT record that publishes it, and a signer over mailauth's dkimSign.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import type { ZoneRecord } from './dns-server.js';

export interface TestDkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly privateKey: string;
  /** `selector._domainkey.domain TXT v=DKIM1; k=rsa; p=...`. */
  readonly record: ZoneRecord;
}

/** A fresh RSA key for `selector._domainkey.domain` (2048 bits unless told). */
export function createDkimKey(domain: string, selector: string, modulusLength = 2048): TestDkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    domain,
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: { name: `${selector}._domainkey.${domain}`, type: 'TXT', data: `v=DKIM1; k=rsa; p=${p}` },
  };
}

/** The DKIM-Signature field(s) for `message`, CRLF-terminated, to put in front of it. */
export async function signDkim(message: Buffer | string, key: TestDkimKey, canonicalization = 'relaxed/relaxed'): Promise<string> {
  const data = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey, canonicalization };
  // mailauth signs what is listed in signatureData (the top-level keys only satisfy its typings).
  const signed = await dkimSign(Buffer.isBuffer(message) ? message : Buffer.from(message), { ...data, signatureData: [data] });
  if (signed.errors.length > 0) throw new Error(`dkimSign: ${signed.errors.map((e) => e.message).join('; ')}`);
  return signed.signatures;
}
