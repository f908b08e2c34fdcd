#!/usr/bin/env node
// Layering lint (STYLE.md): imports point from the front ends down to
// services, then storage, then core. Each folder is entered through its
// index.ts. Fails with the offending file and import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

// Which top-level folders each folder may import from.
const ALLOWED = {
  core: [],
  config: ['core'],
  observability: ['core'],
  policy: ['core', 'config'],
  storage: ['core', 'delivery'], // delivery: the port types only (import type)
  spool: ['core', 'delivery'], //   idem
  workers: ['core', 'analysis', 'auth', 'dns', 'campaigns'], // thread entry points run services inside workers
  intel: ['core'],
  dns: ['core'],
  auth: ['core', 'dns'],
  state: ['core'],
  spam: ['core'],
  access: ['core'], // roles, passwords, TOTP, tokens: pure, for the admin API
  campaigns: ['core'], // clustering, lure fingerprints, reports, regions, STIX/CSV export: pure
  geo: ['core'], // IP → country from an MMDB the app reads
  reputation: ['core', 'config', 'dns', 'intel', 'state'],
  analysis: ['core', 'intel'], // loads its worker by URL, never by import
  quarantine: ['core', 'delivery', 'spool'],
  delivery: ['core', 'config'],
  smtp: ['core', 'config', 'delivery', 'spool'],
  web: ['core', 'config', 'observability', 'access'],
  app: ['core', 'config', 'observability', 'dns', 'auth', 'state', 'reputation', 'spam', 'storage', 'spool', 'workers', 'intel', 'analysis', 'policy', 'quarantine', 'delivery', 'smtp', 'web', 'access', 'campaigns', 'geo'],
  cli: ['core', 'config', 'observability', 'analysis', 'policy', 'app', 'access'],
};

// Config sections are parts of the schema: the module that owns a section reads its type there.
const CONTRACTS = new Set(['delivery/ports.js', 'config/schema.js', 'config/sections/auth.js', 'config/sections/reputation.js', 'config/sections/links.js', 'config/sections/spam.js']);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/g;
const problems = [];
for (const file of files(root)) {
  const rel = relative(root, file);
  const layer = rel.split('/')[0];
  if (!(layer in ALLOWED)) {
    problems.push(`${rel}: folder src/${layer} is not in the layering table (scripts/lint-layers.mjs)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const isTest = rel.endsWith('.test.ts');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[3];
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(dirname(file), spec));
    const targetLayer = target.split('/')[0];
    if (targetLayer === layer || target.startsWith('..')) continue;
    if (!isTest && !ALLOWED[layer].includes(targetLayer)) {
      problems.push(`${rel}: src/${layer} may not import src/${targetLayer} (${spec})`);
    }
    const inner = target.split('/').slice(1).join('/');
    // Contract files (schema, ports) are shared types and may be imported directly.
    const throughIndex = inner === 'index.js' || CONTRACTS.has(target);
    if (!throughIndex && !isTest) {
      problems.push(`${rel}: import src/${targetLayer} through its index.ts, not ${spec}`);
    }
  }
}
if (problems.length > 0) {
  console.error(`layering lint: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layering lint: ok');
