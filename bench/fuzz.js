// npm run fuzz: the long form of the fuzzer of tests/integration/fuzz.test.js.
// FUZZ_MUTANTS mutants (default 5,000) of the seed files go through the module's upload check
// and through DCMTK's dcmdump; prints the counts and every disagreement (a mutant the check let
// through that DCMTK cannot read or reads nested deeper than MaxSequenceDepth); exits 1 on any.
// FUZZ_SEED picks another deterministic series. Needs a built plugin (npm run build).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { uploadChecker } from '../tests/lib/guest.js';
import { runOracle } from '../tests/lib/fuzz.js';
import { ROOT } from '../scripts/build.js';

const count = Number(process.env.FUZZ_MUTANTS ?? 5000);
const seed = Number(process.env.FUZZ_SEED ?? 20261202);
const directory = path.join(ROOT, '.bench', 'fuzz');
mkdirSync(directory, { recursive: true });
const started = Date.now();
const { counts, disagreements } = runOracle(await uploadChecker(), count, { seed, directory });
console.log(`fuzz: seed ${seed}, ${JSON.stringify(counts)}, ${disagreements.length} disagreements, ${((Date.now() - started) / 1000).toFixed(0)} s`);
for (const d of disagreements) console.log(`  ${d.seed}: ${d.mutation}: ${d.dcmtk.errors.join(' | ') || `depth ${d.dcmtk.depth}`}`);
process.exit(disagreements.length === 0 ? 0 : 1);
