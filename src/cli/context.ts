/** What every CLI command gets: parsed options, config loading and output streams. */
import type { Writable } from 'node:stream';
import { loadConfig, resolveOperatorConfigPath, type MoatConfig } from '../config/index.js';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface CommandContext {
  readonly io: CliIo;
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  loadConfig(): Promise<{ config: MoatConfig; sources: readonly string[] }>;
}

export type Command = (context: CommandContext) => Promise<number>;

export function createConfigLoader(io: CliIo, configOption: string | undefined) {
  return async () => {
    const operatorPath = resolveOperatorConfigPath(configOption, io.env, io.cwd);
    return loadConfig({ env: io.env, ...(operatorPath === undefined ? {} : { operatorPath }) });
  };
}

export function print(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** A string option, or undefined. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === 'string' ? value : undefined;
}
