// The load case of the benchmark: CLIENTS concurrent clients for SECONDS against one share,
// then the other (the plugin first, then the built-in, on copies of the same archive), each client
// looping over a random mix:
//   50% PROPFIND Depth 1 of a random folder of the share (every view, every level),
//   15% PROPFIND Depth 0 of a random folder,
//   30% GET of a random instance file,
//    5% PUT of a new DICOM file into uploads/ (every one must be imported afterwards).
// Reports per target and request type: count, p50 and p99 latency, failures (any status other
// than 207 / 200 / 201, or a network error), and throughput; then waits until Orthanc counts
// every uploaded instance.
// Environment: BENCH_LOAD_SECONDS (60; 0 skips the case), BENCH_LOAD_CLIENTS (32).
import { davUrl } from './dav.js';
import { prng } from './archive.js';
import { drain } from './measure.js';
import { makeInstance, newUid } from '../tests/lib/dicom.js';

export const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
export const LOAD_CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 32);
const MIX = [['PROPFIND 1', 0.5], ['PROPFIND 0', 0.15], ['GET', 0.3], ['PUT', 0.05]];
const REQUEST_TIMEOUT_MS = 30000;
const EXPECTED = { 'PROPFIND 1': 207, 'PROPFIND 0': 207, GET: 200, PUT: 201 };

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One target under load; `files` are instance paths, `folders` folder paths (components). */
async function loadOne(target, folders, files, seconds, clients, random) {
  const times = Object.fromEntries(MIX.map(([op]) => [op, []]));
  const failures = Object.fromEntries(MIX.map(([op]) => [op, 0]));
  const failureSamples = [];
  let uploaded = 0;
  const before = (await target.orthanc.rest('GET', '/statistics')).CountInstances;
  const pick = () => {
    let r = random();
    for (const [op, weight] of MIX) {
      if (r < weight) return op;
      r -= weight;
    }
    return MIX[0][0];
  };
  const deadline = performance.now() + seconds * 1000;
  const client = async (index) => {
    let n = 0;
    while (performance.now() < deadline) {
      const op = pick();
      let url;
      // A request unanswered after REQUEST_TIMEOUT_MS counts as failed, and the client goes on.
      const init = { method: 'GET', headers: {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
      if (op.startsWith('PROPFIND')) {
        url = davUrl(target.root, folders[Math.floor(random() * folders.length)], true);
        init.method = 'PROPFIND';
        init.headers.Depth = op.endsWith('1') ? '1' : '0';
      } else if (op === 'GET') {
        url = davUrl(target.root, files[Math.floor(random() * files.length)], false);
      } else {
        url = davUrl(target.root, ['uploads', `load-${target.name}-${index}-${n}.dcm`], false);
        init.method = 'PUT';
        init.body = makeInstance({ PatientID: `LOAD-${target.name}`, SOPInstanceUID: newUid() });
        n += 1;
      }
      const started = performance.now();
      try {
        const answer = await fetch(url, init);
        await drain(answer);
        if (answer.status === EXPECTED[op]) {
          times[op].push(performance.now() - started);
          if (op === 'PUT') uploaded += 1;
        } else {
          failures[op] += 1;
          if (failureSamples.length < 5) failureSamples.push(`${init.method} ${url}: ${answer.status}`);
        }
      } catch (error) {
        failures[op] += 1;
        if (failureSamples.length < 5) failureSamples.push(`${init.method} ${url}: ${error.message}`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const elapsedS = (performance.now() - started) / 1000;

  // Every upload answered 201 must reach Orthanc.
  const importStarted = performance.now();
  let count = before;
  let died = null; // a share whose Orthanc does not survive the load
  while (performance.now() - importStarted < 180000) {
    if (!target.orthanc.alive) {
      const { code, signal } = await target.orthanc.exited;
      died = `Orthanc exited during the load (${signal ?? `code ${code}`})`;
      break;
    }
    try {
      count = (await target.orthanc.rest('GET', '/statistics')).CountInstances;
    } catch { /* not answering: checked above on the next turn */ }
    if (count >= before + uploaded) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const byOp = {};
  for (const [op] of MIX) {
    const sorted = times[op].sort((a, b) => a - b);
    byOp[op] = { count: sorted.length, failures: failures[op], p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
  }
  const total = MIX.reduce((sum, [op]) => sum + times[op].length, 0);
  const propfinds = times['PROPFIND 1'].length + times['PROPFIND 0'].length;
  return {
    seconds: elapsedS,
    byOp,
    requestsPerSecond: total / elapsedS,
    propfindsPerSecond: propfinds / elapsedS,
    failures: MIX.reduce((sum, [op]) => sum + failures[op], 0),
    died,
    failureSamples,
    uploaded,
    imported: count - before,
    importWaitMs: performance.now() - importStarted,
  };
}

/**
 * Runs the load on each target ({ name, root, orthanc }) in turn. `folders` and `files` come
 * from the plugin's share; both shares have the same layout on this archive.
 */
export async function benchLoad(targets, folders, files, log, { seconds = LOAD_SECONDS, clients = LOAD_CLIENTS } = {}) {
  if (seconds <= 0) {
    log('load: skipped (BENCH_LOAD_SECONDS=0)');
    return null;
  }
  log(`load: ${clients} clients for ${seconds} s per share; mix ${MIX.map(([op, w]) => `${op} ${w * 100}%`).join(', ')}; ` +
    `${folders.length} folders, ${files.length} instance files to pick from`);
  const results = {};
  for (const target of targets) {
    const r = await loadOne(target, folders, files, seconds, clients, prng(0x10ad));
    results[target.name] = r;
    const ops = Object.entries(r.byOp).map(([op, o]) => `${op} ${o.count} (p50 ${o.p50Ms?.toFixed(1)} ms, p99 ${o.p99Ms?.toFixed(1)} ms${o.failures ? `, ${o.failures} FAILED` : ''})`);
    log(`  ${target.name}: ${r.requestsPerSecond.toFixed(1)} requests/s, PROPFIND ${r.propfindsPerSecond.toFixed(1)}/s; ${ops.join('; ')}; ` +
      `uploads: ${r.uploaded} answered 201, ${r.imported} imported (${(r.importWaitMs / 1000).toFixed(1)} s after the load)`);
    for (const sample of r.failureSamples) log(`    failure: ${sample}`);
    if (r.died) log(`    ${target.name}: ${r.died}`);
  }
  if (results.plugin && results.builtin) {
    results.propfindThroughputRatio = results.plugin.propfindsPerSecond / results.builtin.propfindsPerSecond;
    log(`  PROPFIND throughput, plugin / built-in: ${results.propfindThroughputRatio.toFixed(2)} (target >= 3); ` +
      `plugin failures ${results.plugin.failures} (target 0); every upload imported: ${results.plugin.imported >= results.plugin.uploaded}`);
  }
  if (results.listener && results.builtin) {
    results.listenerPropfindThroughputRatio = results.listener.propfindsPerSecond / results.builtin.propfindsPerSecond;
    log(`  PROPFIND throughput, listener / built-in: ${results.listenerPropfindThroughputRatio.toFixed(2)}; listener failures ${results.listener.failures}`);
  }
  return results;
}
