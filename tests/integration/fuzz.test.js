// The upload check against DCMTK itself: a deterministic fuzzer's mutants of seed
// files in every encoding go through the module's check (the .wasm the plugin is built from,
// in Node) and through dcmdump with the dictionaries Orthanc loads. Every mutant the check lets
// through must be read by DCMTK without error and nested no deeper than MaxSequenceDepth.
// The long form (thousands of mutants) is `npm run fuzz`; the PUT of mutants into a real
// Orthanc is in upload-safety.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { uploadChecker } from '../lib/guest.js';
import { seeds, dcmdump, runOracle } from '../lib/fuzz.js';
import { ROOT } from '../../scripts/build.js';

const directory = path.join(ROOT, '.test-work', 'fuzz');
mkdirSync(directory, { recursive: true });

test('every seed is valid for DCMTK and for the check (the fuzzer starts from files both read)', async () => {
  const check = await uploadChecker();
  for (const seed of seeds()) {
    const file = path.join(directory, `${seed.name}.dcm`);
    writeFileSync(file, seed.bytes);
    assert.deepEqual(dcmdump(file).errors, [], seed.name);
    assert.equal(check(seed.bytes).fate, 'import', seed.name);
  }
});

test('300 mutants: each is refused by the check or read by DCMTK within MaxSequenceDepth', async () => {
  const check = await uploadChecker();
  const { counts, disagreements } = runOracle(check, 300, { directory });
  console.log(`fuzz (npm test): ${JSON.stringify(counts)}`);
  assert.deepEqual(disagreements, []);
  // The mutations must reach both outcomes, or the fuzzer tests nothing.
  assert.ok(counts.accepted >= 20, `accepted ${counts.accepted}`);
  assert.ok(counts.refused >= 100, `refused ${counts.refused}`);
});
