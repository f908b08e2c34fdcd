/**
 * The quarantine content on this node's disk: bodies at
 * `bodies/ab/<sha256>.eml` and each held message's spool meta at
 * `meta/<queueId>.json`, written to a temp name, fsynced, then renamed.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isQueueId, MoatError } from '../core/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import { fsyncDirectory, writeFileDurable } from '../spool/index.js';
import type { QuarantineContentStore } from './content-store.js';

export interface FileContentOptions {
  readonly dir: string;
  /** Entries (held or released) that refer to a body; the file goes at 0. */
  countReferences(sha256: string): Promise<number>;
}

/** Copies a body into the store: to a temp name, fsynced, then renamed into place. */
async function copyDurably(from: string, to: string): Promise<void> {
  const temp = `${to}.${process.pid}.tmp`;
  await copyFile(from, temp);
  const handle = await open(temp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, to);
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** Creates the folders and returns the file store. */
export async function createFileContentStore(options: FileContentOptions): Promise<QuarantineContentStore> {
  const bodiesDir = join(options.dir, 'bodies');
  const metaDir = join(options.dir, 'meta');
  await mkdir(bodiesDir, { recursive: true, mode: 0o750 });
  await mkdir(metaDir, { recursive: true, mode: 0o750 });

  const bodyPath = (sha256: string): string => join(bodiesDir, sha256.slice(0, 2), `${sha256}.eml`);
  const metaPath = (queueId: string): string => {
    if (!isQueueId(queueId)) throw new MoatError('QUARANTINE_BAD_ID', `not a queue id: ${JSON.stringify(queueId)}`);
    return join(metaDir, `${queueId}.json`);
  };

  return {
    kind: 'files',

    async putBody({ sha256, path, how }) {
      const folder = join(bodiesDir, sha256.slice(0, 2));
      await mkdir(folder, { recursive: true, mode: 0o750 });
      // A rename over an identical body (same hash) is harmless.
      if (how === 'move') await rename(path, bodyPath(sha256));
      else await copyDurably(path, bodyPath(sha256));
      await fsyncDirectory(folder);
      await fsyncDirectory(bodiesDir);
    },

    openBody: (sha256) => Promise.resolve(createReadStream(bodyPath(sha256))),
    readBody: (sha256) => readFile(bodyPath(sha256)),

    async removeBodyIfUnreferenced(sha256) {
      if ((await options.countReferences(sha256)) === 0) await rm(bodyPath(sha256), { force: true });
    },

    putMeta: (meta) => writeFileDurable(metaPath(meta.queueId), JSON.stringify(meta)),

    async readMeta(queueId) {
      try {
        // Trust boundary: our own file; a hand-edited or truncated one fails loudly here.
        return JSON.parse(await readFile(metaPath(queueId), 'utf8')) as SpoolMeta;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    removeMeta: (queueId) => rm(metaPath(queueId), { force: true }),
  };
}
