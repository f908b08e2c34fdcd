/**
 * The few file-system moves that durability rests on: write to a temporary
 * name, fsync, rename, fsync the directory. After these return, a crash or
 * kill -9 cannot lose the file.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
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

/** Write `data` to `path` atomically and durably (temp file, fsync, rename, fsync dir). */
export async function writeFileDurable(path: string, data: string | Uint8Array, mode = 0o640): Promise<void> {
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
    await fsyncDirectory(dirname(path));
  } finally {
    await handle?.close();
    // A partial temp file is garbage (on a full disk, garbage that holds the
    // space); the caller gets the write error either way.
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}
