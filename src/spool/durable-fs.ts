/**
 * The few file-system moves that durability rests on: write to a temporary
 * name, fsync, rename, fsync the directory. After these return, a crash or
 * kill -9 cannot lose the file.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
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
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    await fsyncDirectory(dirname(path));
  } finally {
    await handle?.close();
  }
}
