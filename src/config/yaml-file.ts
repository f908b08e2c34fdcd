/**
 * Reads one YAML config file into plain data. Syntax errors name the file,
 * line and column; a file that cannot be read is `CONFIG_UNREADABLE`.
 */
import { open } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError, MoatError } from '../core/index.js';
import { isPlainObject } from './paths.js';

/**
 * A config file larger than this is a mistake (ours is ~5 KiB); the cap bounds
 * parse time and memory before the YAML parser sees a byte.
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * YAML aliases can expand exponentially ("billion laughs"); a config needs few if any.
 */
const MAX_ALIAS_COUNT = 100;

function firstLine(message: string): string {
  // yaml's pretty errors append " at line N, column M:" and a source excerpt; we print the position ourselves.
  const cut = message.indexOf(' at line ');
  return (cut >= 0 ? message.slice(0, cut) : message.split('\n')[0] ?? message).trim();
}

async function readBounded(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MoatError('CONFIG_UNREADABLE', `cannot read config file ${file} (${code})`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new MoatError('CONFIG_UNREADABLE', `config file ${file} is not a regular file`);
    if (stat.size > MAX_CONFIG_FILE_BYTES) {
      throw new MoatError('CONFIG_UNREADABLE', `config file ${file} is ${stat.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} allowed`);
    }
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (error) {
    if (error instanceof MoatError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MoatError('CONFIG_UNREADABLE', `cannot read config file ${file} (${code})`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Parses YAML text; `source` names the file in errors. An empty document is an empty mapping. */
export function parseConfigYaml(text: string, source: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, version: '1.2' });
  // Warnings (unknown tags, say) are errors here: a config must mean exactly what it says.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const issues = problems.map((problem) => {
      const pos = problem.linePos?.[0];
      const where = pos === undefined ? 'YAML' : `line ${pos.line}, column ${pos.col}`;
      return `${where}: ${firstLine(problem.message)}`;
    });
    throw new ConfigError(issues, source);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError([`YAML: ${error instanceof Error ? error.message : String(error)}`], source);
  }
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data)) throw new ConfigError(['(root): expected a mapping (key: value) at the top level'], source);
  return data;
}

/** Reads and parses one YAML config file (bounded to {@link MAX_CONFIG_FILE_BYTES}). */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  return parseConfigYaml(await readBounded(file), file);
}
