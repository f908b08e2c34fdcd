import { validatePolicyDocument } from '../../app/index.js';
import { readConfigFile, redactConfig } from '../../config/index.js';
import { print, type Command } from '../context.js';

/** `moat check-config`: validate (the policy file too, when configured) and say which files were read. */
export const checkConfig: Command = async (context) => {
  const { config, sources } = await context.loadConfig();
  const policyFile = config.policy.file;
  if (policyFile !== undefined) {
    const { warnings } = validatePolicyDocument(config, await readConfigFile(policyFile), policyFile);
    for (const warning of warnings) context.io.stderr.write(`warning: ${warning}\n`);
  }
  print(context.io, `configuration is valid (${[...sources, ...(policyFile === undefined ? [] : [policyFile])].join(' + ')})`);
  return 0;
};

/** `moat config print`: the effective config with secrets redacted. */
export const printConfig: Command = async (context) => {
  const { config } = await context.loadConfig();
  print(context.io, JSON.stringify(redactConfig(config), null, 2));
  return 0;
};
