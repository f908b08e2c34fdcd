/**
 * The engines benchmark's attachment mail: messages carrying real archives
 * and documents, built in-process from a seed, so every run sends the same
 * bytes (the sample's SHA-256 says so). Kinds: plain text and binary blobs
 * (10 KB to 2 MB), zip (deflate), tar, tar.gz, zip in zip, a small PDF and
 * docx/xlsx-like OOXML zips. One message in 50 carries the EICAR test string
 * inside a zip in a zip: with ClamAV on, those are expected to be held.
 * `mixCorpora` interleaves these with the SpamAssassin sample.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildTar as buildArchiveTar, buildZip as buildArchiveZip } from '../fuzz/archives.js';
import type { CorpusMessage, CorpusSample } from './corpus.js';
import { toWire } from './corpus.js';
import { createSeededRandom, type SeededRandom } from './engines-random.js';

/** The standard 68-byte EICAR anti-virus test file. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export const ATTACHMENT_KINDS = ['text', 'binary', 'zip', 'tar', 'tar.gz', 'zip-in-zip', 'pdf', 'docx', 'xlsx', 'eicar-nested'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export type CorpusKind = 'spamassassin' | 'attachments' | 'mixed';

/** One generated message and what it carries. */
export interface AttachmentMessage extends CorpusMessage {
  readonly kind: AttachmentKind;
  /** Bytes of the attachment before base64. */
  readonly attachmentBytes: number;
}

export interface AttachmentSample {
  readonly messages: readonly AttachmentMessage[];
  readonly bytes: number;
  /** Messages carrying EICAR (expected to be quarantined with ClamAV on). */
  readonly eicar: number;
  readonly sha256: string;
}

export interface AttachmentCorpusOptions {
  readonly size: number;
  readonly seed: number;
  /** Smallest and largest blob (and archive content) size: 10 KB and 2 MB by default. */
  readonly minBytes?: number;
  readonly maxBytes?: number;
}

/** Every 50th message (2 %) carries EICAR in a nested archive. */
const EICAR_EVERY = 50;
/**
 * Share of each kind among the other messages, in per cent. Loosely what a
 * business mailbox sees: documents and archives first, then plain files.
 */
const KIND_WEIGHTS: ReadonlyArray<readonly [AttachmentKind, number]> = [
  ['text', 14],
  ['binary', 10],
  ['zip', 16],
  ['tar', 6],
  ['tar.gz', 10],
  ['zip-in-zip', 10],
  ['pdf', 14],
  ['docx', 12],
  ['xlsx', 8],
];
/** Deflated members are capped below the gateway's ratio check (250:1 past 1 MiB): real text compresses 3–10:1. */
const WORDS = (
  'invoice order shipment quarterly report meeting agenda budget forecast contract ' +
  'delivery payment account customer supplier project review draft final approved ' +
  'the of and to in for on with by from at as is was be are this that we you they ' +
  'revenue margin region total net gross tax rate schedule update status pending ' +
  'alpha beta gamma delta server network backup storage license renewal support'
).split(' ');
/** Log-uniform size: many small files, a few large ones, as in real mail. */
function pickSize(random: SeededRandom, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + random.next() * (Math.log(max) - Math.log(min))));
}

/** A pool of text lines drawn once per corpus; blobs are runs of random lines from it. */
function makeLinePool(random: SeededRandom): string[] {
  return Array.from({ length: 2048 }, () => {
    const words = Array.from({ length: random.int(6, 16) }, () => random.pick(WORDS));
    words.push(String(random.int(0, 999_999)));
    return `${words.join(' ')}\n`;
  });
}

function textBlob(random: SeededRandom, pool: readonly string[], size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const line = random.pick(pool);
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('').slice(0, size), 'latin1');
}


interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  /** Stored (method 0) or deflated (method 8). */
  readonly deflate: boolean;
}

/** A plain PKZIP archive, through the fuzzer's deterministic writer. */
export function buildZip(entries: readonly ZipEntry[]): Buffer {
  return buildArchiveZip(entries.map((e) => ({ name: e.name, content: e.data, method: e.deflate ? 8 : 0 })));
}

/** A POSIX ustar archive of regular files, through the fuzzer's deterministic writer. */
export function buildTar(entries: ReadonlyArray<{ readonly name: string; readonly data: Buffer }>): Buffer {
  return buildArchiveTar(entries.map((e) => ({ name: e.name, content: e.data })));
}

/** A small, valid PDF 1.4 with one page of text; xref offsets are computed, not guessed. */
export function buildPdf(lines: readonly string[]): Buffer {
  const text = lines.map((line, i) => `BT /F1 10 Tf 40 ${760 - i * 12} Td (${line.replace(/[()\\]/g, '')}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** A minimal WordprocessingML package (what Word needs to open it). */
export function buildDocx(paragraphs: readonly string[]): Buffer {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${xmlEscape(p)}</w:t></w:r></w:p>`).join('');
  return buildZip([
    {
      name: '[Content_Types].xml',
      deflate: true,
      data: Buffer.from(
        `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
      ),
    },
    {
      name: '_rels/.rels',
      deflate: true,
      data: Buffer.from(
        `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
      ),
    },
    {
      name: 'word/document.xml',
      deflate: true,
      data: Buffer.from(`${XML_HEAD}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`),
    },
  ]);
}

/** A minimal SpreadsheetML package: one sheet of inline-string and number cells. */
export function buildXlsx(rows: ReadonlyArray<readonly [string, number]>): Buffer {
  const sheetRows = rows.map(([label, value], i) => `<row r="${i + 1}"><c r="A${i + 1}" t="inlineStr"><is><t>${xmlEscape(label)}</t></is></c><c r="B${i + 1}"><v>${value}</v></c></row>`).join('');
  const ns = 'http://schemas.openxmlformats.org';
  return buildZip([
    {
      name: '[Content_Types].xml',
      deflate: true,
      data: Buffer.from(
        `${XML_HEAD}<Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
      ),
    },
    { name: '_rels/.rels', deflate: true, data: Buffer.from(`${XML_HEAD}<Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
    { name: 'xl/workbook.xml', deflate: true, data: Buffer.from(`${XML_HEAD}<workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
    { name: 'xl/_rels/workbook.xml.rels', deflate: true, data: Buffer.from(`${XML_HEAD}<Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`) },
    { name: 'xl/worksheets/sheet1.xml', deflate: true, data: Buffer.from(`${XML_HEAD}<worksheet xmlns="${ns}/spreadsheetml/2006/main"><sheetData>${sheetRows}</sheetData></worksheet>`) },
  ]);
}

interface Attachment {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** 1–4 members whose sizes add up to about `total`, a mix of text and binary. */
function members(random: SeededRandom, pool: readonly string[], total: number, prefix: string): Array<{ name: string; data: Buffer }> {
  const count = random.int(1, 4);
  return Array.from({ length: count }, (_, i) => {
    const size = Math.max(64, Math.round(total / count));
    return random.next() < 0.7 ? { name: `${prefix}${i + 1}.txt`, data: textBlob(random, pool, size) } : { name: `${prefix}${i + 1}.bin`, data: random.bytes(size) };
  });
}

function buildAttachment(kind: AttachmentKind, random: SeededRandom, pool: readonly string[], minBytes: number, maxBytes: number): Attachment {
  const size = pickSize(random, minBytes, maxBytes);
  switch (kind) {
    case 'text':
      return { filename: 'notes.txt', contentType: 'text/plain', data: textBlob(random, pool, size) };
    case 'binary':
      return { filename: 'data.bin', contentType: 'application/octet-stream', data: random.bytes(size) };
    case 'zip':
      return { filename: 'files.zip', contentType: 'application/zip', data: buildZip(members(random, pool, size, 'file').map((m) => ({ ...m, deflate: true }))) };
    case 'tar':
      return { filename: 'files.tar', contentType: 'application/x-tar', data: buildTar(members(random, pool, size, 'file')) };
    case 'tar.gz':
      return { filename: 'files.tar.gz', contentType: 'application/gzip', data: gzipSync(buildTar(members(random, pool, size, 'file'))) };
    case 'zip-in-zip': {
      const inner = buildZip(members(random, pool, size, 'inner').map((m) => ({ ...m, deflate: true })));
      return { filename: 'bundle.zip', contentType: 'application/zip', data: buildZip([{ name: 'inner.zip', data: inner, deflate: false }, { name: 'readme.txt', data: textBlob(random, pool, 300), deflate: true }]) };
    }
    case 'pdf':
      return { filename: 'statement.pdf', contentType: 'application/pdf', data: buildPdf(Array.from({ length: random.int(10, 60) }, () => random.pick(pool).trim())) };
    case 'docx':
      return {
        filename: 'letter.docx',
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        data: buildDocx(textBlob(random, pool, Math.min(size, 200_000)).toString('latin1').split('\n')),
      };
    case 'xlsx':
      return {
        filename: 'figures.xlsx',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        data: buildXlsx(Array.from({ length: random.int(20, 2000) }, () => [random.pick(WORDS), random.int(0, 1_000_000)] as const)),
      };
    case 'eicar-nested': {
      const inner = buildZip([
        { name: 'eicar.com', data: Buffer.from(EICAR, 'latin1'), deflate: false },
        { name: 'notes.txt', data: textBlob(random, pool, 2000), deflate: true },
      ]);
      return { filename: 'documents.zip', contentType: 'application/zip', data: buildZip([{ name: 'archive/inner.zip', data: inner, deflate: true }]) };
    }
  }
}

function pickKind(index: number, random: SeededRandom): AttachmentKind {
  if (index % EICAR_EVERY === EICAR_EVERY / 2) return 'eicar-nested';
  let roll = random.next() * 100;
  for (const [kind, weight] of KIND_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'text';
}

/** The RFC 5322 message around one attachment: a short text part, then the file in base64. */
function buildMessage(index: number, attachment: Attachment): string {
  const boundary = `----=_moat_bench_${index}`;
  const base64 = attachment.data.toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    `From: Sender ${index % 97} <sender${index % 97}@partner${index % 13}.example>`,
    `To: user${index}@example.test`,
    `Subject: ${attachment.filename} for file ${index}`,
    `Message-ID: <bench.${index}@partner.example>`,
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Please find ${attachment.filename} attached.`,
    `--${boundary}`,
    `Content-Type: ${attachment.contentType}; name="${attachment.filename}"`,
    `Content-Disposition: attachment; filename="${attachment.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** Builds `size` messages from `seed`; the same options give the same bytes. */
export function generateAttachmentCorpus(options: AttachmentCorpusOptions): AttachmentSample {
  const random = createSeededRandom(options.seed);
  const pool = makeLinePool(random);
  const minBytes = options.minBytes ?? 10_000;
  const maxBytes = options.maxBytes ?? 2_000_000;
  const hash = createHash('sha256');
  const messages: AttachmentMessage[] = [];
  let bytes = 0;
  let eicar = 0;
  for (let index = 0; index < options.size; index++) {
    const kind = pickKind(index, random);
    const attachment = buildAttachment(kind, random, pool, minBytes, maxBytes);
    const { wire } = toWire(Buffer.from(buildMessage(index, attachment), 'latin1'));
    hash.update(wire);
    bytes += wire.length;
    if (kind === 'eicar-nested') eicar++;
    messages.push({ id: `attachments/${index}.${kind}`, spam: false, wire, eightBit: false, kind, attachmentBytes: attachment.data.length });
  }
  return { messages, bytes, eicar, sha256: hash.digest('hex') };
}

/** A bench sample of any corpus kind; `attachments`/`eicar` count the generated share. */
export interface MixedSample extends CorpusSample {
  readonly kind: CorpusKind;
  readonly attachments: number;
  readonly eicar: number;
}

/**
 * Interleaves the SpamAssassin sample with generated attachment mail, one of
 * each in turn (50/50), so both kinds reach every phase of a run evenly.
 */
export function mixCorpora(spamassassin: CorpusSample, attachments: AttachmentSample): MixedSample {
  const messages: CorpusMessage[] = [];
  const longest = Math.max(spamassassin.messages.length, attachments.messages.length);
  for (let i = 0; i < longest; i++) {
    const a = spamassassin.messages[i];
    const b = attachments.messages[i];
    if (a !== undefined) messages.push(a);
    if (b !== undefined) messages.push(b);
  }
  const hash = createHash('sha256');
  for (const message of messages) hash.update(message.wire);
  return {
    kind: 'mixed',
    messages,
    ham: spamassassin.ham + attachments.messages.length,
    spam: spamassassin.spam,
    bytes: spamassassin.bytes + attachments.bytes,
    skipped: spamassassin.skipped,
    sha256: hash.digest('hex'),
    attachments: attachments.messages.length,
    eicar: attachments.eicar,
  };
}

/** The generated corpus alone, as a bench sample. */
export function attachmentsOnly(attachments: AttachmentSample): MixedSample {
  return { kind: 'attachments', messages: attachments.messages, ham: attachments.messages.length, spam: 0, bytes: attachments.bytes, skipped: 0, sha256: attachments.sha256, attachments: attachments.messages.length, eicar: attachments.eicar };
}
