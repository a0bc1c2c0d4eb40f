// The scale case of the benchmark: archives of growing size (10 instances per study), each in
// an Orthanc with the plugin on SQLite and, up to BENCH_SCALE_POSTGRES_MAX instances, on a
// PostgreSQL 15 index: the time from Orthanc's start to a ready catalog, the memory (RSS growth
// of Orthanc during the load, the module's memory) and the latency of listings, large and
// small, and how each grows with the size. On SQLite, also one `Depth: infinity` PROPFIND of
// by-uids/ on the share's own listener (docs/listener.md): its time, size, and the peak memory
// of the module and of Orthanc while it ran (one module instance there, so that the status
// reports the memory of the instance that answered).
// Environment: BENCH_SCALE_INSTANCES (sizes in instances, "1000,10000"; add 100000 for the
// full figure: generating it takes several minutes), BENCH_SCALE_POSTGRES_MAX (1000; 0: no
// PostgreSQL), BENCH_SCALE_REPS (15 requests per listing).
import path from 'node:path';
import { rmSync } from 'node:fs';
import { Orthanc, freePort } from '../tests/lib/orthanc.js';
import { Postgres, POSTGRES_INDEX_PLUGIN, postgresUnavailable } from '../tests/lib/postgres.js';
import { copyDatabase, ensureArchive, uploadArchive } from './archive.js';
import { davUrl, parseListing, propfind } from './dav.js';
import { median, peakRssBytes, resetPeakRss, rssBytes, startPluginOrthanc, timed } from './measure.js';
import { mb, ms } from './report.js';

const INSTANCES_PER_STUDY = 10;
const SHARE_ROOT = '/webdav';

export const SCALE_SIZES = (process.env.BENCH_SCALE_INSTANCES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const POSTGRES_MAX = Number(process.env.BENCH_SCALE_POSTGRES_MAX ?? 1000);
const REPS = Number(process.env.BENCH_SCALE_REPS ?? 15);

/** The folders whose listing is timed, found by listing down from the view roots. */
async function listingCases(root) {
  const first = async (components) => {
    const { status, text } = await propfind(root, components);
    if (status !== 207) throw new Error(`PROPFIND ${components.join('/')}: ${status}`);
    return parseListing(text, SHARE_ROOT, components).filter((e) => e.isFolder).map((e) => e.name).sort()[0];
  };
  const study = await first(['by-studies']);
  const series = await first(['by-studies', study]);
  const year = await first(['by-dates']);
  const month = await first(['by-dates', year]);
  return [
    ['by-studies/ (every study)', ['by-studies']],
    ['by-uids/ (every study)', ['by-uids']],
    ['by-patients/ (every patient)', ['by-patients']],
    [`by-dates month (${month})`, ['by-dates', year, month]],
    ['study folder', ['by-studies', study]],
    [`series folder (${INSTANCES_PER_STUDY} instances)`, ['by-studies', study, series]],
  ];
}

/** One Orthanc with the plugin, started on a filled index: load, memory, listing latencies. */
async function measureOne(orthanc, log, label) {
  const load = await startPluginOrthanc(orthanc);
  const root = `${orthanc.url}${SHARE_ROOT}`;
  const cases = await listingCases(root);
  const latencies = {};
  for (const [name, components] of cases) {
    await timed(davUrl(root, components), 'PROPFIND', 207); // warm: the share in use, not its first request
    const times = [];
    for (let r = 0; r < REPS; r += 1) times.push((await timed(davUrl(root, components), 'PROPFIND', 207)).ms);
    latencies[name] = median(times);
  }
  const result = {
    catalogLoadMs: load.status.CatalogLoadMs,
    studies: load.status.Studies,
    moduleMemoryBytes: load.status.ModuleMemoryBytes,
    rssGrowthBytes: load.rssAfter - (load.rssBefore ?? load.rssAfter),
    latencies,
  };
  log(`  ${label}: catalog of ${result.studies} studies ready in ${ms(result.catalogLoadMs)}; module memory ${mb(result.moduleMemoryBytes)}; ` +
    `RSS grew ${mb(result.rssGrowthBytes)} during the load; listings: ${Object.entries(latencies).map(([n, t]) => `${n} ${t.toFixed(1)} ms`).join(', ')}`);
  return result;
}

/** One Depth infinity PROPFIND of by-uids/ on the listener, after the listings were measured. */
async function measureInfinity(orthanc, listenerPort, log, label) {
  const memory = async () => (await orthanc.rest('GET', '/webdav-share/status')).ModuleMemoryBytes;
  const moduleBefore = await memory();
  const rssBefore = rssBytes(orthanc.process.pid);
  resetPeakRss(orthanc.process.pid);
  const started = performance.now();
  const answer = await fetch(`http://127.0.0.1:${listenerPort}${SHARE_ROOT}/by-uids/`, { method: 'PROPFIND', headers: { Depth: 'infinity' } });
  let bytes = 0;
  let responses = 0;
  let carry = '';
  const decoder = new TextDecoder();
  for await (const chunk of answer.body) { // counted as it streams: the client holds no 100 MB string
    bytes += chunk.byteLength;
    const text = carry + decoder.decode(chunk, { stream: true });
    responses += text.split('<D:response>').length - 1;
    carry = text.slice(-11); // shorter than the tag: a tag split between chunks is counted once
  }
  const elapsedMs = performance.now() - started;
  if (answer.status !== 207) throw new Error(`Depth infinity of by-uids/: ${answer.status}`);
  const result = {
    ms: elapsedMs, bytes, responses,
    moduleMemoryBytesBefore: moduleBefore, moduleMemoryBytesAfter: await memory(),
    orthancRssBytesBefore: rssBefore, orthancPeakRssBytes: peakRssBytes(orthanc.process.pid),
  };
  log(`  ${label}: Depth infinity of by-uids/ on the listener: ${responses} responses, ${mb(bytes)} in ${ms(elapsedMs)}; ` +
    `module memory ${mb(result.moduleMemoryBytesBefore)} before, ${mb(result.moduleMemoryBytesAfter)} after (it never shrinks: its peak); ` +
    `Orthanc RSS ${mb(rssBefore)} before, peak ${mb(result.orthancPeakRssBytes)} during`);
  return result;
}

async function onSqlite(size, plugin, benchDir, log) {
  const { dbDir } = await ensureArchive(size / INSTANCES_PER_STUDY, benchDir, log, { instancesPerStudy: INSTANCES_PER_STUDY });
  const directory = path.join(benchDir, 'scale-run', `sqlite-${size}`);
  const listenerPort = await freePort();
  const orthanc = await Orthanc.create(directory, { options: { WebDavEnabled: false, Plugins: [plugin],
    // MaxInfinityEntries: by-uids/ at 100,000 instances is 140,001 resources, beyond the default
    WebDavShare: { ModuleInstances: 1, Listener: { Port: listenerPort, MaxInfinityEntries: 1000000 } } } });
  copyDatabase(dbDir, path.join(directory, 'db'));
  try {
    const result = await measureOne(orthanc, log, `${size} instances, SQLite`);
    result.depthInfinity = await measureInfinity(orthanc, listenerPort, log, `${size} instances, SQLite`);
    return result;
  } finally {
    await orthanc.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function onPostgres(size, plugin, benchDir, log) {
  const directory = path.join(benchDir, 'scale-run', `postgres-${size}`);
  const pg = await Postgres.start();
  const options = { WebDavEnabled: false, Plugins: [POSTGRES_INDEX_PLUGIN], ...pg.orthancOptions() };
  try {
    // Filled through the REST API of an Orthanc without the plugin, then measured in a fresh one.
    const filler = await (await Orthanc.create(path.join(directory, 'filler'), { options })).start();
    try {
      await uploadArchive(filler, size / INSTANCES_PER_STUDY, log, { instancesPerStudy: INSTANCES_PER_STUDY });
    } finally {
      await filler.stop();
    }
    const orthanc = await Orthanc.create(path.join(directory, 'filler'), { keepData: true, options: { ...options, Plugins: [POSTGRES_INDEX_PLUGIN, plugin] } });
    try {
      return await measureOne(orthanc, log, `${size} instances, PostgreSQL`);
    } finally {
      await orthanc.stop();
    }
  } finally {
    await pg.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs the scale case; returns { sqlite: {size: result}, postgres: {size: result}, growth }. */
export async function benchScale({ plugin, benchDir, log = console.log, sizes = SCALE_SIZES }) {
  if (sizes.length === 0) {
    log('scale: skipped (BENCH_SCALE_INSTANCES is empty)');
    return null;
  }
  const why = postgresUnavailable();
  log(`scale: ${sizes.join(', ')} instances (${INSTANCES_PER_STUDY} per study); SQLite${why ? ` (PostgreSQL skipped: ${why})` : `, and PostgreSQL up to ${POSTGRES_MAX}`}`);
  const results = { sqlite: {}, postgres: {} };
  for (const size of sizes) {
    results.sqlite[size] = await onSqlite(size, plugin, benchDir, log);
    if (!why && size <= POSTGRES_MAX) results.postgres[size] = await onPostgres(size, plugin, benchDir, log);
  }
  // How each listing grows from the smallest size to each larger one (SQLite).
  const smallest = results.sqlite[sizes[0]];
  results.growth = {};
  for (const size of sizes.slice(1)) {
    const r = results.sqlite[size];
    results.growth[size] = Object.fromEntries(Object.entries(r.latencies).map(([n, t]) => [n, t / smallest.latencies[n]]));
    log(`  growth ${sizes[0]} -> ${size} instances: ${Object.entries(results.growth[size]).map(([n, g]) => `${n} x${g.toFixed(2)}`).join(', ')}; ` +
      `catalog load x${(r.catalogLoadMs / Math.max(1, smallest.catalogLoadMs)).toFixed(1)}`);
  }
  return results;
}
