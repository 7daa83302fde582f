#!/usr/bin/env node
// Build dist/ with `tsc -p tsconfig.build.json`, but only when it is stale:
// when dist/src/cli/main.js is missing or older than the newest TypeScript
// source under src/ or parsers/ (or a tsconfig). Used by `npm start` (prestart).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
const sourceDirs = ['src', 'parsers'].map((d) => join(root, d));
const extraInputs = ['tsconfig.json', 'tsconfig.build.json'].map((f) => join(root, f));
// .json too: resolveJsonModule lets sources import JSON data that tsc copies to dist/.
const sourceFile = /\.(?:[cm]?ts|json)$/;

/** Newest mtime (ms) of the source files under dir, or 0 if none. */
function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') newest = Math.max(newest, newestMtime(p));
    } else if (e.isFile() && sourceFile.test(e.name)) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

function staleReason() {
  if (!existsSync(entry)) return 'dist/src/cli/main.js is missing';
  const built = statSync(entry).mtimeMs;
  let newest = 0;
  for (const d of sourceDirs) newest = Math.max(newest, newestMtime(d));
  for (const f of extraInputs) if (existsSync(f)) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest > built ? 'sources are newer than dist/' : undefined;
}

const reason = staleReason();
if (reason === undefined) {
  process.exit(0);
}
console.error(`build-if-needed: ${reason}; running tsc -p tsconfig.build.json`);
const r = spawnSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (r.error) {
  console.error(`build-if-needed: could not run tsc: ${r.error.message}`);
  process.exit(1);
}
if (r.status !== 0) {
  process.exit(r.status ?? 1);
}
