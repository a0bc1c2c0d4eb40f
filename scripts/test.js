// npm test: builds the plugin, then runs the unit tests (as-pect, on the AssemblyScript
// sources) and the integration tests (node:test, real Orthanc 1.10.1 with the built plugin and
// real WebDAV clients). Prints one closing line "total: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build, ROOT } from './build.js';

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

build('test');

let passed = 0;
let failed = 0;

// Unit tests.
const unit = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'asp'), ['--no-logo'], { cwd: ROOT, encoding: 'utf8' });
const unitOutput = stripAnsi(`${unit.stdout}${unit.stderr}`);
process.stdout.write(unitOutput);
const unitCounts = unitOutput.match(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/);
if (unitCounts) {
  passed += Number(unitCounts[1]);
  failed += Number(unitCounts[2]) - Number(unitCounts[1]);
}
if (unit.status !== 0 && (!unitCounts || Number(unitCounts[1]) === Number(unitCounts[2]))) failed += 1;

// Integration tests; a filter on the command line picks files (npm test -- share).
const filter = process.argv.slice(2);
const directory = path.join(ROOT, 'tests', 'integration');
const files = readdirSync(directory)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .map((f) => path.join('tests', 'integration', f));
mkdirSync(path.join(ROOT, '.test-work'), { recursive: true });
const tapFile = path.join(ROOT, '.test-work', 'integration.tap');
const integration = spawnSync(process.execPath, [
  '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], { cwd: ROOT, stdio: 'inherit' });
const tap = readFileSync(tapFile, 'utf8');
const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)`, 'm')) ?? [0, 0])[1]);
passed += count('pass');
failed += count('fail') + count('cancelled');
if (integration.status !== 0 && count('fail') + count('cancelled') === 0) failed += 1;
if (count('pass') === 0) failed += 1; // an integration run with no test is a failure

console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
