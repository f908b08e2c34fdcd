import { redactConfig } from '../../config/index.js';
import { print, type Command } from '../context.js';

/** `moat check-config`: validate and say which files were read. */
export const checkConfig: Command = async (context) => {
  const { sources } = await context.loadConfig();
  print(context.io, `configuration is valid (${sources.join(' + ')})`);
  return 0;
};

/** `moat config print`: the effective config with secrets redacted. */
export const printConfig: Command = async (context) => {
  const { config } = await context.loadConfig();
  print(context.io, JSON.stringify(redactConfig(config), null, 2));
  return 0;
};
