// npm run build: AssemblyScript -> WebAssembly -> C -> build/plugin/libOrthancWebDavShare.so
// (CMakeLists.txt has the steps; cmake-js drives CMake).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './system-packages.js';
import { writeDictionary } from './dictionary.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PLUGIN = path.join(ROOT, 'build', 'plugin', 'libOrthancWebDavShare.so');

/** npm dependencies, installed from the lock file when absent (npm start / npm test on a fresh clone). */
export function ensureNodeModules() {
  if (existsSync(path.join(ROOT, 'node_modules', '.bin', 'asc'))) return;
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
}

export function build(kind = 'build') {
  ensureSystemPackages(kind);
  ensureNodeModules();
  writeDictionary(); // assembly/generated/dictionary.ts, from the DICOM dictionaries Orthanc loads
  // cmake-js wants Node's headers (for addons; this project needs none) and downloads them
  // unless npm's nodedir points at the installed ones: npm sets it for npm scripts, a plain
  // `node` caller does not, so it is asked of npm here.
  const env = { ...process.env };
  if (!env.npm_config_nodedir) {
    env.npm_config_nodedir = execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).trim();
  }
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'cmake-js'), ['build', '--log-level', 'warn'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return PLUGIN;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`Built ${build()}`);
}
