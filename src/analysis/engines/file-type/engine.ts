/**
 * File-type policy engine: flags executables and scripts by content, and file
 * names that lie (dangerous or double extensions, bidi tricks, a name that
 * does not match the content). Reports only; policy decides.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { examineFileName } from './file-name.js';
import type { FileTypeSymbol } from './tables.js';
import {
  CONTENT_CLASS,
  DOCUMENT_EXTENSIONS,
  EXECUTABLE_EXTENSIONS,
  EXTENSION_FAMILY,
  FILETYPE_SYMBOLS,
  SCRIPT_EXTENSIONS,
} from './tables.js';

const ENGINE_NAME = 'filetype';

/** Creates the file-type policy engine (stateless; one instance serves every message). */
export function createFileTypeEngine(): Engine {
  return { name: ENGINE_NAME, inspect: inspectArtifact };
}

function inspectArtifact({ artifact, rawName }: EngineSubject): Finding[] {
  const findings: Finding[] = [];
  const emit = (symbol: FileTypeSymbol, detail: string): void => {
    const { score, severity } = FILETYPE_SYMBOLS[symbol];
    findings.push({ engine: ENGINE_NAME, symbol, score, severity, detail: `part ${artifact.path}: ${detail}`, artifact: artifact.path });
  };
  const detected = artifact.detectedExtension;
  const what = detected === undefined ? '' : `${artifact.detectedType ?? 'unknown'} (.${detected})`;
  const contentClass = detected === undefined ? undefined : CONTENT_CLASS[detected];
  if (contentClass === 'executable') emit('FILETYPE_EXECUTABLE', `content is an executable, ${what}`);

  const facts = rawName === undefined ? undefined : examineFileName(rawName);
  // Names in details are escaped by escapeForDisplay and quoted; extensions come from those names, so escape them too.
  const shown = rawName === undefined ? '' : `"${escapeForDisplay(rawName)}"`;
  const ext = facts?.extension;
  const extShown = ext === undefined ? '' : escapeForDisplay(ext, 32);

  if (contentClass === 'script') {
    emit('FILETYPE_SCRIPT', `content is runnable, ${what}`);
  } else if (ext !== undefined && SCRIPT_EXTENSIONS.has(ext)) {
    emit('FILETYPE_SCRIPT', `name ${shown} has the runnable extension .${extShown}`);
  }

  if (ext !== undefined && detected === undefined && EXECUTABLE_EXTENSIONS.has(ext)) {
    emit('FILETYPE_DANGEROUS_EXTENSION', `name ${shown} has the executable extension .${extShown}, content not recognised`);
  }

  const inner = facts?.innerExtension;
  if (ext !== undefined && inner !== undefined && DOCUMENT_EXTENSIONS.has(inner) && (SCRIPT_EXTENSIONS.has(ext) || EXECUTABLE_EXTENSIONS.has(ext) || EXTENSION_FAMILY[ext] === 'pe')) {
    emit('FILETYPE_DOUBLE_EXTENSION', `name ${shown} hides .${extShown} behind .${escapeForDisplay(inner, 32)}`);
  }

  if (facts?.bidi === true) emit('FILETYPE_RTLO_NAME', `name ${shown} holds bidi control characters that reorder how it is displayed`);

  const declaredFamily = ext === undefined ? undefined : EXTENSION_FAMILY[ext];
  const detectedFamily = detected === undefined ? undefined : EXTENSION_FAMILY[detected];
  if (declaredFamily !== undefined && detectedFamily !== undefined && declaredFamily !== detectedFamily) {
    emit('FILETYPE_EXTENSION_MISMATCH', `name ${shown} says .${extShown} but content is ${what}`);
  }
  return findings;
}
