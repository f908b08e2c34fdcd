/**
 * `moat policy`: manage the organization/domain/recipient policy stored in
 * the database. A running gateway applies a new revision at once on
 * PostgreSQL (the import notifies every node at commit) and within
 * `policy.refreshSeconds` otherwise; nothing needs a restart.
 */
import { stringify } from 'yaml';
import { importPolicyFile, loadStoredPolicy, openAdminServices, validatePolicyDocument } from '../../app/index.js';
import { readConfigFile } from '../../config/index.js';
import { print, stringOption, type Command } from '../context.js';

const USAGE = `usage: moat policy check FILE            validate a policy file against the config
       moat policy import FILE [--comment TEXT]  store it as the new revision
       moat policy show [REVISION]         print a revision (default: the one in force) as YAML
       moat policy history                 list revisions
       moat policy resolve ADDRESS         the effective policy for a recipient
`;

export const policyCommand: Command = async (context) => {
  const [verb, argument] = context.args;
  const { config } = await context.loadConfig();
  const json = context.options['json'] === true;
  switch (verb) {
    case 'check': {
      if (argument === undefined) break;
      // Throws ConfigError naming each bad key; main turns it into exit 78.
      const { warnings } = validatePolicyDocument(config, await readConfigFile(argument), argument);
      for (const warning of warnings) context.io.stderr.write(`warning: ${warning}\n`);
      print(context.io, `${argument}: valid`);
      return 0;
    }
    case 'import': {
      if (argument === undefined) break;
      const admin = await openAdminServices(config);
      try {
        const by = context.io.env['USER'] ?? 'unknown';
        const comment = stringOption(context, 'comment');
        const result = await admin.recorded('policy.replace', { other: `file:${argument}` }, by, () =>
          importPolicyFile(config, admin.policies, argument, { source: `cli:${by}:${argument}`, ...(comment === undefined ? {} : { comment }) }),
        );
        for (const warning of result.warnings) context.io.stderr.write(`warning: ${warning}\n`);
        print(context.io, result.created ? `imported ${argument} as revision ${result.revision}` : `${argument} is unchanged from revision ${result.revision}; nothing stored`);
        return 0;
      } finally {
        await admin.close();
      }
    }
    case 'show':
    case 'history': {
      const admin = await openAdminServices(config);
      try {
        if (verb === 'history') {
          const revisions = await admin.policies.list(100);
          if (revisions.length === 0 && !json) print(context.io, 'no policy imported: the config policy applies to every recipient');
          for (const r of revisions) {
            const line = { revision: r.revision, createdAt: r.createdAt, source: r.source, sha256: r.sha256, ...(r.comment === undefined ? {} : { comment: r.comment }) };
            print(context.io, json ? JSON.stringify(line) : `r${r.revision}  ${r.createdAt}  ${r.source}${r.comment === undefined ? '' : `  "${r.comment}"`}`);
          }
          return 0;
        }
        const revision = argument === undefined ? await admin.policies.latest() : await admin.policies.get(Number(argument.replace(/^r/, '')));
        if (revision === undefined) {
          context.io.stderr.write(argument === undefined ? 'no policy imported\n' : `no policy revision ${argument}\n`);
          return 1;
        }
        print(context.io, json ? JSON.stringify(revision.document) : `# revision ${revision.revision}, ${revision.createdAt}, ${revision.source}\n${stringify(revision.document).trimEnd()}`);
        return 0;
      } finally {
        await admin.close();
      }
    }
    case 'resolve': {
      if (argument === undefined) break;
      const resolved = (await loadStoredPolicy(config, { stored: true })).resolve(argument);
      print(context.io, json ? JSON.stringify(resolved) : `# ${argument}: policy ${resolved.version} (${resolved.scopes.join(' > ')})\n${stringify(resolved.rules).trimEnd()}`);
      return 0;
    }
    default:
      break;
  }
  context.io.stderr.write(USAGE);
  return 64;
};
