/**
 * The few file-system moves that durability rests on: write to a temporary
 * name, fsync, rename, fsync the directory. After these return, a crash or
 * kill -9 cannot lose the file.
 */
import { open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so that a rename or create inside it survives a crash. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Group commit for one directory: callers whose renames are done ask for a
 * sync; those that arrive while one is running share the next one. An fsync
 * that started after a caller's rename covers it, so a caller never rides on
 * a sync that began before its own change.
 */
export interface DirectorySyncer {
  sync(): Promise<void>;
}

export function createDirectorySyncer(dir: string, syncDirectory: (dir: string) => Promise<void> = fsyncDirectory): DirectorySyncer {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const run = (): Promise<void> => {
    const current = syncDirectory(dir).finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };
  return {
    sync() {
      if (running === undefined) return run();
      next ??= running.then(
        () => undefined,
        () => undefined,
      ).then(() => {
        next = undefined;
        return run();
      });
      return next;
    },
  };
}

/** Removes a file if it exists (no `lstat` first, unlike `rm`). */
export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Write `data` to `path` atomically and durably (temp file, fsync, rename, fsync dir). */
export async function writeFileDurable(path: string, data: string | Uint8Array, mode = 0o640, syncer?: DirectorySyncer): Promise<void> {
  const temp = `${path}.tmp`;
  let handle: FileHandle | undefined = await open(temp, 'w', mode);
  let renamed = false;
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    renamed = true;
    await (syncer === undefined ? fsyncDirectory(dirname(path)) : syncer.sync());
  } finally {
    await handle?.close();
    // A partial temp file is garbage (on a full disk, garbage that holds the
    // space); the caller gets the write error either way.
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}
