import { isAbsolute, join } from 'node:path';
import type { MoatConfig } from '../config/index.js';

/** Resolves a data-folder-relative path from config. */
export function dataPath(config: MoatConfig, path: string): string {
  return isAbsolute(path) ? path : join(config.dataDir, path);
}
