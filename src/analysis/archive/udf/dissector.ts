/**
 * The UDF dissector: reads UDF-only disk images (which Windows mounts on
 * double-click, a known way past ISO 9660-only scanners) and the UDF side of
 * ISO/UDF bridge images, and reports when the two sides of a bridge differ.
 */
import type { Finding } from '../../../core/index.js';
import type { DissectResult, Dissector } from '../../dissect/dissector.js';
import { createUdfFinding } from './findings.js';
import type { UdfSymbol } from './findings.js';
import { listIso9660Files } from './iso9660.js';
import { walkTree } from './tree.js';
import type { WalkOutput } from './tree.js';
import { readRecognition, readVolume } from './volume.js';

/** Creates the dissector for UDF images (chosen by the NSR02/NSR03 recognition sequence). */
export function createUdfDissector(): Dissector {
  return {
    name: 'udf',
    accepts: (subject) => readRecognition(subject.content).udf,
    async dissect(subject, ctx) {
      const findings: Finding[] = [];
      const report = (symbol: UdfSymbol, detail: string): void => {
        findings.push(createUdfFinding(symbol, detail, subject.path));
      };
      const recognition = readRecognition(subject.content);
      const read = readVolume(subject.content);
      if (!read.ok) {
        report(read.kind === 'unsupported' ? 'UDF_UNSUPPORTED' : 'UDF_UNREADABLE', `UDF volume not read: ${read.detail}`);
        return { members: [], findings } satisfies DissectResult;
      }
      for (const problem of read.volume.problems) {
        report(problem.kind === 'unsupported' ? 'UDF_UNSUPPORTED' : 'UDF_MALFORMED', problem.detail);
      }
      const walked = walkTree(subject.content, read.volume, ctx.budget, report);
      // An incomplete or damaged UDF reading would differ from ISO 9660 for that reason alone.
      if (recognition.iso9660 && findings.length === 0) compareWithIso9660(subject.content, walked, report);
      return { members: walked.members, findings } satisfies DissectResult;
    },
  };
}

/** Bridge images: the UDF and ISO 9660 trees should name the same data (first sector and size of each file). */
function compareWithIso9660(content: Uint8Array, walked: WalkOutput, report: (symbol: UdfSymbol, detail: string) => void): void {
  const iso = listIso9660Files(content);
  if (iso === undefined) {
    report('UDF_MALFORMED', 'bridge image whose ISO 9660 tree could not be listed for comparison');
    return;
  }
  // Empty files have no data and tools place them anywhere; compare the rest.
  const key = (sector: number, size: number): string => `${sector}:${size}`;
  const counts = new Map<string, number>();
  for (const f of iso) if (f.size > 0) counts.set(key(f.sector, f.size), (counts.get(key(f.sector, f.size)) ?? 0) + 1);
  let udfOnly = 0;
  for (const f of walked.files) {
    if (f.size === 0) continue;
    const k = key(f.sector, f.size);
    const n = counts.get(k) ?? 0;
    if (n === 0) udfOnly++;
    else counts.set(k, n - 1);
  }
  let isoOnly = 0;
  for (const n of counts.values()) isoOnly += n;
  if (udfOnly > 0 || isoOnly > 0) {
    report('PARSER_CONFUSION', `bridge image whose UDF tree (what Windows shows) and ISO 9660 tree differ: ${udfOnly} file(s) only in UDF, ${isoOnly} only in ISO 9660`);
  }
}
