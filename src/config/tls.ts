/**
 * TLS credentials for STARTTLS. A configured certificate and key are checked
 * to parse and to belong together before the listener starts, so a wrong file
 * fails at start-up with the key named, not at the first STARTTLS.
 * Without them, a self-signed pair is generated once into `<dataDir>/tls`
 * (fine for opportunistic TLS between MTAs, which does not verify) and reused.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { MoatError } from '../core/index.js';

/** A certificate chain or key file beyond this is not PEM we should be parsing. */
const MAX_PEM_BYTES = 256 * 1024;
/** The generated certificate's lifetime: an unverified self-signed certificate gains nothing from expiring. */
const SELF_SIGNED_YEARS = 10;

export interface TlsCredentialOptions {
  readonly dataDir: string;
  /** Absolute path of a PEM certificate chain (`smtp.tls.cert`). */
  readonly cert?: string;
  /** Absolute path of the matching PEM private key (`smtp.tls.key`). */
  readonly key?: string;
  /** Name the generated certificate is for (SAN), normally `node.hostname`. */
  readonly hostname: string;
}

export interface TlsCredentials {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly selfSigned: boolean;
  /** Certificate file the credentials came from. */
  readonly path: string;
}

async function readPem(file: string, configKey: string, code: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
    const stat = await handle.stat();
    if (stat.size > MAX_PEM_BYTES) {
      throw new MoatError(code, `${configKey}: ${file} is ${stat.size} bytes, more than the ${MAX_PEM_BYTES} a PEM file may have`);
    }
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    if (error instanceof MoatError) throw error;
    const errno = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MoatError(code, `${configKey}: cannot read ${file} (${errno})`, { cause: error });
  } finally {
    await handle?.close();
  }
}

function parseCertificate(pem: Buffer, configKey: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new MoatError('TLS_CERT_INVALID', `${configKey}: ${file} is not a PEM certificate`, { cause: error });
  }
}

function parsePrivateKey(pem: Buffer, configKey: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    // Encrypted keys land here too: the gateway starts unattended, so there is no one to type a passphrase.
    throw new MoatError('TLS_KEY_INVALID', `${configKey}: ${file} is not an unencrypted PEM private key`, { cause: error });
  }
}

/** Reads and checks a configured certificate/key pair; errors name `smtp.tls.cert` or `smtp.tls.key`. */
async function loadConfigured(certFile: string, keyFile: string): Promise<TlsCredentials> {
  const cert = await readPem(certFile, 'smtp.tls.cert', 'TLS_CERT_UNREADABLE');
  const key = await readPem(keyFile, 'smtp.tls.key', 'TLS_KEY_UNREADABLE');
  const x509 = parseCertificate(cert, 'smtp.tls.cert', certFile);
  const privateKey = parsePrivateKey(key, 'smtp.tls.key', keyFile);
  if (!x509.checkPrivateKey(privateKey)) {
    throw new MoatError('TLS_KEY_MISMATCH', `smtp.tls.key: ${keyFile} does not match the certificate in smtp.tls.cert (${certFile})`);
  }
  return { cert, key, selfSigned: false, path: certFile };
}

/** Writes a file atomically: temp file with its final mode, fsync, rename. */
async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the renames durable; a crash must not leave a cert whose key vanished.
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function tryLoadSelfSigned(certFile: string, keyFile: string, hostname: string, now: Date): Promise<TlsCredentials | undefined> {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = await readPem(certFile, 'self-signed certificate', 'TLS_SELF_SIGNED_INVALID');
    key = await readPem(keyFile, 'self-signed key', 'TLS_SELF_SIGNED_INVALID');
  } catch (error) {
    // Missing (first start, or a crash between the two writes): generate a new pair.
    if ((error as { cause?: { code?: unknown } }).cause?.code === 'ENOENT') return undefined;
    throw error;
  }
  let x509: X509Certificate;
  let privateKey: KeyObject;
  try {
    x509 = new X509Certificate(cert);
    privateKey = createPrivateKey(key);
  } catch (error) {
    // Our own generated files are corrupt: that needs a look (disk? tampering?), not a silent overwrite.
    throw new MoatError('TLS_SELF_SIGNED_INVALID', `generated TLS files in ${certFile} / ${keyFile} do not parse; remove both to regenerate`, { cause: error });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new MoatError('TLS_SELF_SIGNED_INVALID', `generated TLS key ${keyFile} does not match ${certFile}; remove both to regenerate`);
  }
  // A renamed node or an expired certificate is simply regenerated: nothing verifies it anyway.
  if (x509.checkHost(hostname) === undefined || new Date(x509.validTo).getTime() <= now.getTime()) return undefined;
  return { cert, key, selfSigned: true, path: certFile };
}

async function generateSelfSigned(certFile: string, keyFile: string, dir: string, hostname: string, now: Date): Promise<TlsCredentials> {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SELF_SIGNED_YEARS);
  // Backdate a little so a peer with a slow clock does not see a not-yet-valid certificate.
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
    ],
  });
  // Key first: a cert without its key is never left behind as the newest file.
  await writeAtomic(keyFile, pems.private, 0o600);
  await writeAtomic(certFile, pems.cert, 0o644);
  await fsyncDir(dir);
  return { cert: Buffer.from(pems.cert), key: Buffer.from(pems.private), selfSigned: true, path: certFile };
}

/**
 * The credentials STARTTLS should use: the configured pair (checked to parse
 * and match) or a self-signed pair from `<dataDir>/tls`, generated on first use.
 */
export async function ensureTlsCredentials(options: TlsCredentialOptions, now: Date = new Date()): Promise<TlsCredentials> {
  const { cert, key } = options;
  if (cert !== undefined && key !== undefined) return loadConfigured(cert, key);
  if (cert !== undefined || key !== undefined) {
    const missing = cert === undefined ? 'smtp.tls.cert' : 'smtp.tls.key';
    throw new MoatError('TLS_PAIR_INCOMPLETE', `${missing}: required when the other of smtp.tls.cert / smtp.tls.key is set`);
  }
  const dir = join(options.dataDir, 'tls');
  const certFile = join(dir, 'self-signed.crt');
  const keyFile = join(dir, 'self-signed.key');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await tryLoadSelfSigned(certFile, keyFile, options.hostname, now);
  return existing ?? generateSelfSigned(certFile, keyFile, dir, options.hostname, now);
}
