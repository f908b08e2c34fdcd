/**
 * The dissectors the pipeline tries on every artifact, in order; the first
 * whose `accepts` says yes opens it. Order matters only where formats
 * overlap (a zip-based document before plain zip); magic-byte formats do not.
 * The lead adds zip, libarchive, office, pdf, ... here as they land.
 */
import { createBzip2Dissector, createGzipDissector, createXzDissector } from '../archive/compressed/index.js';
import { createTarDissector } from '../archive/tar/index.js';
import type { Dissector } from './dissector.js';

export const DISSECTORS: readonly Dissector[] = [createGzipDissector(), createBzip2Dissector(), createXzDissector(), createTarDissector()];
