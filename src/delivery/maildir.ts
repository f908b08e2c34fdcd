/**
 * Local delivery into Maildir (https://cr.yp.to/proto/maildir.html): write
 * into tmp/, fsync, rename into new/, fsync the directory. Local part and
 * domain come from the envelope, which the sender chose, so each becomes one
 * safe path segment and the final path is checked to stay under the root.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { MoatError } from '../core/index.js';

export interface MaildirDeliveryOptions {
  readonly root: string;
  readonly recipient: string;
  readonly message: Readable;
  /** Our host name, part of the unique file name. */
  readonly hostname: string;
  /** Refuse messages larger than this (bytes); default unlimited, the spool already bounds size. */
  readonly maxBytes?: number;
}

// A local part is at most 64 octets (RFC 5321 §4.5.3.1.1); longer names are hashed.
const MAX_SEGMENT = 64;
const SAFE_SEGMENT = /^[A-Za-z0-9_+=-][A-Za-z0-9._+=-]*$/;

/**
 * Maps an attacker-chosen local part or domain to one safe directory name.
 * Safe names pass unchanged; anything else has unsafe characters replaced by
 * `_` and gains `~` plus a hash of the original. `~` never appears in a name
 * that passed unchanged, so a mapped name cannot collide with a plain one.
 */
export function toSafeSegment(value: string): string {
  if (value.length <= MAX_SEGMENT && SAFE_SEGMENT.test(value) && !value.includes('..')) return value;
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);
  const mapped = value
    .replace(/[^A-Za-z0-9._+=-]/g, '_')
    .replace(/\.\./g, '__')
    .replace(/^\./, '_')
    .slice(0, MAX_SEGMENT);
  return `${mapped}~${hash}`;
}

/** `<root>/<domain>/<local part>` for `recipient`, sanitised; throws if it would leave `root`. */
export function maildirPathFor(root: string, recipient: string): string {
  const at = recipient.lastIndexOf('@');
  const local = at < 0 ? recipient : recipient.slice(0, at);
  const domain = at < 0 ? '' : recipient.slice(at + 1).toLowerCase();
  const base = resolve(root);
  const folder = resolve(base, toSafeSegment(domain), toSafeSegment(local));
  if (!folder.startsWith(base + sep)) {
    throw new MoatError('MAILDIR_PATH_ESCAPE', 'maildir path for recipient leaves the maildir root');
  }
  return folder;
}

let counter = 0;

// The Maildir spec asks that `/` and `:` in the host name be written as octal escapes.
function safeHostname(hostname: string): string {
  return hostname.replace(/\//g, '\\057').replace(/:/g, '\\072').replace(/[^\x21-\x7e]/g, '_');
}

function uniqueName(hostname: string): string {
  const nowUs = process.hrtime.bigint() / 1000n;
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  const micro = Number(nowUs % 1_000_000n);
  counter = (counter + 1) % 1_000_000_000;
  return `${seconds}.M${micro}P${process.pid}Q${counter}.${safeHostname(hostname)}`;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `message` into the recipient's Maildir and returns the path of the
 * delivered file. The file appears in new/ only once it is complete and on disk.
 */
export async function deliverToMaildir(opts: MaildirDeliveryOptions): Promise<string> {
  const folder = maildirPathFor(opts.root, opts.recipient);
  for (const sub of ['tmp', 'new', 'cur']) {
    await mkdir(join(folder, sub), { recursive: true, mode: 0o700 });
  }
  const name = uniqueName(opts.hostname);
  const tmpPath = join(folder, 'tmp', name);
  const newPath = join(folder, 'new', name);
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  // 'wx': never overwrite an existing file, even if the unique name were to repeat.
  const handle = await open(tmpPath, 'wx', 0o600);
  let moved = false;
  try {
    let written = 0;
    for await (const chunk of opts.message) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      written += buf.length;
      if (written > maxBytes) throw new MoatError('MAILDIR_TOO_LARGE', `message exceeds ${maxBytes} bytes`);
      await handle.write(buf);
    }
    await handle.sync();
    await handle.close();
    await rename(tmpPath, newPath);
    moved = true;
    await fsyncDir(join(folder, 'new'));
    return newPath;
  } finally {
    if (!moved) {
      await handle.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      opts.message.destroy();
    }
  }
}
