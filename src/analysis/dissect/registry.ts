/**
 * The dissectors the pipeline tries on every artifact.
 */
import { createBzip2Dissector, createGzipDissector, createXzDissector } from '../archive/compressed/index.js';
import { createLibarchiveDissector } from '../archive/libarchive/index.js';
import { createTarDissector } from '../archive/tar/index.js';
import { createUdfDissector } from '../archive/udf/index.js';
import { createZipDissector } from '../archive/zip/index.js';
import { createHtmlDissector, createIcsDissector, createOneNoteDissector, createPdfDissector, createRtfDissector } from '../documents/index.js';
import { createOleDissector } from '../documents/office/index.js';
import type { Dissector } from './dissector.js';

// Every dissector that accepts an artifact opens it (polyglots are read every way),
// so the order only decides how members are numbered.
export const DISSECTORS: readonly Dissector[] = [
  createOleDissector(),
  createPdfDissector(),
  createRtfDissector(),
  createOneNoteDissector(),
  createHtmlDissector(),
  createIcsDissector(),
  createZipDissector(),
  createUdfDissector(),
  createLibarchiveDissector(),
  createGzipDissector(),
  createBzip2Dissector(),
  createXzDissector(),
  createTarDissector(),
];
