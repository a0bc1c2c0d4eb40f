// npm run bench [-- STUDIES]: the plugin's share against Orthanc's built-in share and against
// the floor (floor-plugin/floor.c), on one generated archive copied into two Orthancs:
//   (A) built-in: WebDavEnabled true, no plugin, share at /webdav;
//   (B) WebDavEnabled false, the plugin (share at /webdav) and the floor (at /floor).
// Environment: BENCH_STUDIES (default 10000; the first argument wins), BENCH_REPS (requests
// per case and target, 24), BENCH_WALKS (full walks per target, 1), BENCH_SAMPLE (folders the
// built-in walks, 300); BENCH_UPLOAD_FILES, BENCH_UPLOAD_ROUNDS, BENCH_UPLOAD_LOCKS (bench/uploads.js);
// BENCH_LOAD_SECONDS, BENCH_LOAD_CLIENTS (bench/load.js); BENCH_SCALE_INSTANCES,
// BENCH_SCALE_POSTGRES_MAX (bench/scale.js); BENCH_ONLY=load or BENCH_ONLY=scale runs that case alone,
// BENCH_ONLY=table the request table, the walks and the load without the upload and scale cases.
// BENCH_BIGPUT_MB (bench/bigput.js: a large PUT through the listener, Orthanc's peak RSS; 1024).
// BENCH_INSTANCES_PER_STUDY (default: 1-2, one series of 100 per 1,000 studies) gives every study
// that many instances: BENCH_INSTANCES_PER_STUDY=10 is the 100,000-instance archive of README "Scale".
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc, freePort } from '../tests/lib/orthanc.js';
import { build, ROOT } from '../scripts/build.js';
import { copyDatabase, ensureArchive, prng } from './archive.js';
import { davUrl, discover, pathKey, parseListing, propfind } from './dav.js';
import { buildFloor, FLOOR_ROOT, loadFloor } from './floor.js';
import { alternate, drain, median, permutations, rssBytes, startPluginOrthanc, timed, timedWalk } from './measure.js';
import { mb, ms, report } from './report.js';
import { benchUploadsIfPossible } from './uploads.js';
import { benchLoad } from './load.js';
import { benchScale } from './scale.js';
import { benchBigPut } from './bigput.js';
import { buildPeerTree, startRclonePeer, startStaticPeer } from './peer.js';
import { makeInstance, newUid } from '../tests/lib/dicom.js';

const STUDIES = Number(process.argv[2] ?? process.env.BENCH_STUDIES ?? 10000);
const INSTANCES_PER_STUDY = Number(process.env.BENCH_INSTANCES_PER_STUDY ?? 0) || null;
const REPS = Number(process.env.BENCH_REPS ?? 24); // a multiple of 6: every order of the 3 targets
const WALKS = Number(process.env.BENCH_WALKS ?? 1);
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 300);
const CONCURRENCY = 8;
const SHARE_ROOT = '/webdav';
const BENCH_DIR = path.join(ROOT, '.bench');

const log = (line) => console.log(line);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** The cases of the per-request table, named from what the archive's manifest says. */
function requestCases(manifest) {
  const studyName = (s) => `${s.PatientID} - ${s.PatientName} - ${s.StudyDescription}`;
  const seriesName = (s) => `${s.Modality} - ${s.SeriesDescription}`;
  const instancePath = (s, id) => ['by-studies', studyName(s), seriesName(s), `${id}.dcm`];
  const study = manifest.samples[0];
  const big = manifest.bigSeries[0];
  const year = study.StudyDate.slice(0, 4);
  const month = `${year}-${study.StudyDate.slice(4, 6)}`;
  const samples = manifest.samples;
  const constant = (components) => () => components;
  const propfindCase = (name, components) => ({ name: `PROPFIND ${name}`, method: 'PROPFIND', path: constant(components) });
  return [
    propfindCase('by-patients/', ['by-patients']),
    propfindCase('by-studies/', ['by-studies']),
    propfindCase('by-uids/', ['by-uids']),
    propfindCase(`by-dates month folder (${month})`, ['by-dates', year, month]),
    propfindCase('study folder (by-studies)', ['by-studies', studyName(study)]),
    propfindCase('study folder (by-uids, with study.json)', ['by-uids', study.StudyInstanceUID]),
    propfindCase(`series folder (${big.instances} instances)`, ['by-studies', studyName(big), seriesName(big)]),
    { name: `GET instance, ${samples.length} different`, method: 'GET', path: (rep) => instancePath(samples[rep % samples.length], samples[rep % samples.length].instanceIds[0]) },
    { name: `GET instance of the ${big.instances}-instance series, 5 different`, method: 'GET', path: (rep) => instancePath(big, big.instanceIds[((rep % 5) * 17) % big.instances]) },
  ];
}

/**
 * Folders of `folders` whose listing at `targetRoot` differs from the plugin's: a comparison
 * with different names would be unfair. Sizes of the JSON files and dates are compared only
 * when `exact` (the floor must serve exactly the plugin's listings).
 */
async function compareListings(targetRoot, rootPath, folders, expected, exact, namesOnly = false) {
  const describe = (e) => `${e.isFolder ? 'd' : 'f'} ${e.name}${namesOnly || e.isFolder || (!exact && e.name.endsWith('.json')) ? '' : ` ${e.size}`}${exact ? ` ${e.date}` : ''}`;
  const differences = [];
  for (const components of folders) {
    const { status, text } = await propfind(targetRoot, components);
    const got = status === 207 ? parseListing(text, rootPath, components).map(describe).sort() : [`status ${status}`];
    const want = expected.get(pathKey(components)).entries.map(describe).sort();
    if (got.join('\n') !== want.join('\n')) differences.push({ folder: pathKey(components), got: got.slice(0, 3), want: want.slice(0, 3) });
  }
  return differences;
}

/**
 * The plugin's whole share, listed once (its first, cold walk), loaded into the floor, and
 * checked against the built-in and the floor on a fixed random sample of folders (which also
 * warms the built-in up). Only the folder list is kept: a client holding every listing has a
 * large heap whose garbage collections would disturb the timings.
 */
async function exploreShare(targets, plugin) {
  const [builtinTarget, , floorTarget] = targets;
  let started = performance.now();
  const listings = await discover(plugin.url, SHARE_ROOT, CONCURRENCY);
  const coldWalkMs = performance.now() - started;
  // Sorted: the parallel walk finds folders in a varying order, the sample must not vary.
  const folders = [...listings.keys()].sort().map((key) => listings.get(key).components);
  const files = instanceFiles(listings);
  const entryCount = [...listings.values()].reduce((n, l) => n + l.entries.length, 0);
  const rssAfterColdWalk = rssBytes(plugin.process.pid);
  log(`plugin: first walk (cold caches, client parsing every listing): ${folders.length} folders, ${entryCount} entries in ${ms(coldWalkMs)}; RSS of (B) then ${mb(rssAfterColdWalk)}`);
  const floorCounts = await loadFloor(plugin.url, listings);
  const rssAfterFloorTable = rssBytes(plugin.process.pid);
  log(`floor: table of ${floorCounts.Folders} folders, ${floorCounts.Entries} entries loaded; RSS of (B) then ${mb(rssAfterFloorTable)}`);

  const random = prng(0x5eed);
  const sample = folders.map((f) => [random(), f]).sort((a, b) => a[0] - b[0]).slice(0, SAMPLE).map(([, f]) => f);
  started = performance.now();
  const builtinDiffs = await compareListings(builtinTarget.root, SHARE_ROOT, sample, listings, false);
  const floorDiffs = await compareListings(floorTarget.root, FLOOR_ROOT, sample, listings, true);
  log(`check on the sample (${ms(performance.now() - started)}): the built-in differs from the plugin in ${builtinDiffs.length} of ${sample.length} folders, the floor in ${floorDiffs.length}`);
  for (const d of [...builtinDiffs, ...floorDiffs].slice(0, 5)) log(`  ${JSON.stringify(d)}`);
  return {
    folders,
    files,
    sample,
    coldWalkMs,
    entryCount,
    checks: { builtinDifferingFolders: builtinDiffs.length, floorDifferingFolders: floorDiffs.length },
    rss: { afterColdWalk: rssAfterColdWalk, afterFloorTable: rssAfterFloorTable },
  };
}

/**
 * The listener against `rclone serve webdav` (bench/peer.js) on the PROPFIND cases: a tree of
 * the same folders with the same names, the listings compared by name first.
 */
async function measurePeer(propfindCases, listenerTarget) {
  const folders = propfindCases.map((c) => c.path(0));
  const directory = path.join(BENCH_DIR, 'run', 'peer');
  const entries = await buildPeerTree(directory, listenerTarget.root, SHARE_ROOT, folders);
  const rclone = await startRclonePeer(directory, SHARE_ROOT);
  const staticDirectory = path.join(BENCH_DIR, 'run', 'static');
  let staticPeer = null;
  try {
    staticPeer = await startStaticPeer(staticDirectory, folders.map((components) => davUrl(listenerTarget.root, components)), SHARE_ROOT);
    const expected = new Map();
    for (const components of folders) {
      const { text } = await propfind(listenerTarget.root, components);
      expected.set(pathKey(components), { components, entries: parseListing(text, SHARE_ROOT, components) });
    }
    const differing = await compareListings(rclone.root, SHARE_ROOT, folders, expected, false, true);
    log(`peer: rclone serve webdav on a tree of the ${folders.length} folders (${entries} entries); it differs from the listener by name in ${differing.length} of them`);
    for (const d of differing.slice(0, 3)) log(`  ${JSON.stringify(d)}`);
    log(`peer requests (${REPS} each, alternating listener, rclone and the static server sending the listener's own answers):`);
    const targets = [listenerTarget, { name: 'rclone', root: rclone.root }, { name: 'static', root: staticPeer.root }];
    const rows = await alternate(propfindCases, targets, REPS, log);
    for (const r of rows) log(`  ${r.name}: rclone / listener ${(r.medians.rclone / r.medians.listener).toFixed(1)}, listener / static ${(r.medians.listener / r.medians.static).toFixed(2)}`);
    return { differingFolders: differing.length, entries, requests: rows.map((r) => ({ name: r.name, medians: r.medians, ratio: r.medians.rclone / r.medians.listener, overStatic: r.medians.listener / r.medians.static })) };
  } finally {
    await rclone.stop();
    await staticPeer?.stop();
    rmSync(directory, { recursive: true, force: true });
    rmSync(staticDirectory, { recursive: true, force: true });
  }
}

/** One GET with a Range header; its time, status and length. */
async function timedRange(url, range) {
  const started = performance.now();
  const answer = await fetch(url, { headers: range ? { Range: range } : {} });
  const bytes = await drain(answer);
  return { ms: performance.now() - started, status: answer.status, bytes };
}

/**
 * GET with Range, which only the listener honours (Orthanc's port sends the whole file): the
 * first 64 KB of 5 files of the 100-instance series, and 1 MiB at varying offsets of a large
 * multi-frame instance (uploaded to both Orthancs here), against whole GETs of the same files
 * on every target. Medians of REPS.
 */
async function measureRanges(builtin, plugin, targets, manifest) {
  const big = manifest.bigSeries[0];
  const studyName = `${big.PatientID} - ${big.PatientName} - ${big.StudyDescription}`;
  const seriesFiles = (rep) => ['by-studies', studyName, `${big.Modality} - ${big.SeriesDescription}`, `${big.instanceIds[((rep % 5) * 17) % big.instances]}.dcm`];
  const [study, series, sop] = [newUid(), newUid(), newUid()];
  const large = makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: sop, PatientID: 'RANGE', StudyDescription: 'Multi-frame' },
    { frames: 320, rows: 256, columns: 256 });
  await builtin.upload(large);
  await plugin.upload(large);
  const largeFile = ['by-uids', study, series, `${sop}.dcm`];
  const listener = targets.find((t) => t.name === 'listener');
  const deadline = Date.now() + 30000;
  while ((await timedRange(davUrl(listener.root, largeFile, false), 'bytes=0-0')).status !== 206) {
    if (Date.now() > deadline) throw new Error('ranges: the large instance did not appear on the listener');
    await sleep(200);
  }
  const size = large.length;
  const mib = 1048576;
  const cases = [
    { name: `series of ${big.instances}: first 64 KB of a file, 5 different`, file: seriesFiles, range: () => 'bytes=0-65535' },
    { name: `multi-frame instance of ${(size / mib).toFixed(1)} MB: 1 MiB at varying offsets`, file: () => largeFile,
      range: (rep) => { const start = ((rep * 7919) % Math.floor(size / mib)) * mib; return `bytes=${start}-${start + mib - 1}`; } },
  ];
  log(`ranges (${REPS} each): the listener answers the Range (206); the whole file from every target for comparison`);
  const rows = [];
  for (const c of cases) {
    const times = { listenerRange: [] };
    for (const t of targets.filter((t) => t.name !== 'floor')) times[t.name] = [];
    let partBytes = 0;
    for (let rep = 0; rep <= REPS; rep += 1) { // rep 0 is the untimed warm-up
      const part = await timedRange(davUrl(listener.root, c.file(rep), false), c.range(rep));
      if (part.status !== 206) throw new Error(`ranges: ${c.name}: the listener answered ${part.status} to a Range`);
      for (const t of targets.filter((t) => t.name !== 'floor')) {
        const whole = await timedRange(davUrl(t.root, c.file(rep), false), null);
        if (whole.status !== 200) throw new Error(`ranges: ${c.name}: ${t.name} answered ${whole.status}`);
        if (rep > 0) times[t.name].push(whole.ms);
      }
      if (rep > 0) times.listenerRange.push(part.ms);
      partBytes = part.bytes;
    }
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    rows.push({ name: c.name, partBytes, medians });
    log(`  ${c.name}: listener Range ${medians.listenerRange.toFixed(2)} ms (${partBytes} bytes); whole file: ` +
      `${Object.entries(medians).filter(([k]) => k !== 'listenerRange').map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', ')}`);
  }
  // What macOS Finder or rclone do with a large file: read it all, 1 MiB at a time, in order.
  const sequential = [];
  for (let rep = 0; rep < 3; rep += 1) {
    const started = performance.now();
    for (let start = 0; start < size; start += mib) {
      const part = await timedRange(davUrl(listener.root, largeFile, false), `bytes=${start}-${Math.min(start + mib, size) - 1}`);
      if (part.status !== 206) throw new Error(`ranges: sequential read: ${part.status}`);
    }
    sequential.push(performance.now() - started);
  }
  const sequentialMs = median(sequential);
  log(`  the multi-frame instance read whole in 1 MiB ranges, in order (${Math.ceil(size / mib)} requests): ${ms(sequentialMs)} (median of 3)`);
  return { largeInstanceBytes: size, cases: rows, sequentialRangesMs: sequentialMs };
}

/** Up to 2,000 instance files of the share, a fixed random choice, for the load case. */
function instanceFiles(listings) {
  const all = [];
  for (const key of [...listings.keys()].sort()) {
    const { components, entries } = listings.get(key);
    for (const e of entries) if (!e.isFolder && e.name.endsWith('.dcm')) all.push([...components, e.name]);
  }
  const random = prng(0xf11e5);
  return all.map((f) => [random(), f]).sort((a, b) => a[0] - b[0]).slice(0, 2000).map(([, f]) => f);
}

/** The load case (bench/load.js) on the three doors; the plugin's folders and files to pick from. */
function runLoad(builtin, plugin, listenerRoot, folders, files) {
  // BENCH_LOAD_TARGETS=plugin (or builtin) loads one share only, to profile it.
  const only = process.env.BENCH_LOAD_TARGETS;
  // The plugin first: under this load the built-in leaves requests hanging (they time out
  // after 30 s) whose work would go on during whatever runs next.
  return benchLoad([
    { name: 'plugin', root: `${plugin.url}${SHARE_ROOT}`, orthanc: plugin },
    { name: 'listener', root: `${listenerRoot}${SHARE_ROOT}`, orthanc: plugin },
    { name: 'builtin', root: `${builtin.url}${SHARE_ROOT}`, orthanc: builtin },
  ].filter((t) => !only || only === t.name), folders, files, log);
}

/** Everything measured, with both Orthancs running. */
async function measure(builtin, plugin, manifest, listenerPort) {
  const targets = [
    { name: 'builtin', root: `${builtin.url}${SHARE_ROOT}` },
    { name: 'plugin', root: `${plugin.url}${SHARE_ROOT}` },
    { name: 'floor', root: `${plugin.url}${FLOOR_ROOT}` },
  ];
  const [, pluginTarget, floorTarget] = targets;
  // The share's own listener (docs/listener.md), in the same Orthanc as the plugin and the floor.
  const listenerTarget = { name: 'listener', root: `http://127.0.0.1:${listenerPort}${SHARE_ROOT}` };
  const { folders, files, sample, coldWalkMs, entryCount, checks, rss } = await exploreShare(targets, plugin);
  const onOrthancsPort = new Map();
  for (const components of sample) {
    const { text } = await propfind(pluginTarget.root, components);
    onOrthancsPort.set(pathKey(components), { components, entries: parseListing(text, SHARE_ROOT, components) });
  }
  const listenerDiffs = await compareListings(listenerTarget.root, SHARE_ROOT, sample, onOrthancsPort, false);
  log(`check on the sample: the listener differs from the plugin on Orthanc's port in ${listenerDiffs.length} of ${sample.length} folders`);
  for (const d of listenerDiffs.slice(0, 5)) log(`  ${JSON.stringify(d)}`);
  targets.push(listenerTarget);
  const pluginStatus = () => plugin.rest('GET', '/webdav-share/status');
  const moduleMemory = async () => mb((await pluginStatus()).ModuleMemoryBytes);
  if (process.env.BENCH_ONLY === 'load') {
    const memoryBefore = await moduleMemory();
    const result = { load: await runLoad(builtin, plugin, `http://127.0.0.1:${listenerPort}`, folders, files) };
    log(`plugin: module memory ${memoryBefore} after the first walk, ${await moduleMemory()} after the load`);
    return result;
  }

  const cases = requestCases(manifest);
  const folderKeys = new Set(folders.map(pathKey));
  for (const c of cases) {
    const components = c.path(0);
    const folder = c.method === 'PROPFIND' ? components : components.slice(0, -1);
    if (!folderKeys.has(pathKey(folder))) throw new Error(`${c.name}: ${pathKey(folder)} is not in the plugin's share`);
  }
  // The static reference in the table too: a plain server sending the listener's own answers
  // (bench/static-server.js), alternating with the others, tells what the listener's ratio to
  // the floor can be at best on this machine and client.
  const propfindCases = cases.filter((c) => c.method === 'PROPFIND');
  const staticDirectory = path.join(BENCH_DIR, 'run', 'static-table');
  const staticTarget = await startStaticPeer(staticDirectory,
    propfindCases.map((c) => davUrl(listenerTarget.root, c.path(0))), SHARE_ROOT);
  let requests;
  try {
    log(`requests (${REPS} each, alternating built-in, plugin, floor, listener, and the static reference on PROPFIND):`);
    requests = (await alternate(cases, [...targets, { name: 'static', root: staticTarget.root, propfindOnly: true }], REPS, log))
      .map((r, i) => ({ ...r, method: cases[i].method }));
  } finally {
    await staticTarget.stop();
    rmSync(staticDirectory, { recursive: true, force: true });
  }
  for (const r of requests.filter((q) => q.medians.static !== undefined)) {
    log(`  ${r.name}: static / floor ${(r.medians.static / r.medians.floor).toFixed(2)}, listener / static ${(r.medians.listener / r.medians.static).toFixed(2)}`);
  }

  log(`plugin: module memory ${await moduleMemory()} after the requests`);
  const peer = await measurePeer(propfindCases, listenerTarget);
  log(`walks (${WALKS} rounds: the sample on all three, then full walks of plugin and floor):`);
  const walks = { sample: { builtin: [], plugin: [], floor: [], listener: [] }, full: { plugin: [], floor: [], listener: [] } };
  const orders = permutations(targets);
  let walkFailures = 0;
  for (let w = 0; w < WALKS; w += 1) {
    for (const target of orders[w % orders.length]) {
      const r = await timedWalk(target.root, sample, CONCURRENCY);
      walks.sample[target.name].push(r.ms);
      walkFailures += r.failures;
    }
    log(`  round ${w + 1}, sample: ${targets.map((t) => `${t.name} ${ms(walks.sample[t.name][w])}`).join(', ')}`);
    for (const target of w % 2 ? [floorTarget, listenerTarget, pluginTarget] : [pluginTarget, listenerTarget, floorTarget]) {
      const r = await timedWalk(target.root, folders, CONCURRENCY);
      walks.full[target.name].push(r.ms);
      walkFailures += r.failures;
      log(`  round ${w + 1}, full walk ${target.name}: ${ms(r.ms)}${target === pluginTarget ? `; module memory ${await moduleMemory()}` : ''}`);
    }
  }

  // Read before the load, whose uploads add studies and push lists out of the cache.
  const statusAfterWalks = await pluginStatus();
  // After the walks: the large instance it uploads changes the catalog, which drops kept listings.
  const ranges = await measureRanges(builtin, plugin, targets, manifest);
  const underLoad = await runLoad(builtin, plugin, `http://127.0.0.1:${listenerPort}`, folders, files);
  return {
    underLoad,
    requests,
    peer,
    ranges,
    walks,
    coldWalkMs,
    folderCount: folders.length,
    entryCount,
    sampleSize: sample.length,
    checks: { ...checks, walkFailures, listenerDifferingFolders: listenerDiffs.length },
    // What each process holds once everything was listed (the built-in's folder cache too).
    memory: {
      ...rss,
      pluginRss: rssBytes(plugin.process.pid),
      builtinRss: rssBytes(builtin.process.pid),
      statusAfterWalks,
      finalStatus: await pluginStatus(),
    },
  };
}

/** Which plugin is measured: the commit, and whether its sources differ from it. */
function pluginRevision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'assembly', 'plugin-shim', 'CMakeLists.txt');
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const started = performance.now();
  const revision = pluginRevision();
  log(`WebDAV benchmark: ${STUDIES} studies${INSTANCES_PER_STUDY ? ` of ${INSTANCES_PER_STUDY} instances` : ''}; ${REPS} requests per case and target; ${WALKS} walk rounds; ` +
    `built-in walks a sample of ${SAMPLE} folders; walks send ${CONCURRENCY} requests in parallel; plugin at ${revision}`);
  mkdirSync(BENCH_DIR, { recursive: true });
  // Through npm, never a stale .so: cmake-js finds Node's headers from npm's environment
  // (npm_config_nodedir) and fails without it, as when this file is run with plain node.
  const PLUGIN = build('build');
  if (process.env.BENCH_ONLY === 'scale') {
    log(JSON.stringify(await benchScale({ plugin: PLUGIN, benchDir: BENCH_DIR, log })));
    return;
  }
  const floorPlugin = buildFloor(path.join(BENCH_DIR, 'floor-build'));
  const archiveStarted = performance.now();
  const { dbDir, manifest, reused } = await ensureArchive(STUDIES, BENCH_DIR, log, { instancesPerStudy: INSTANCES_PER_STUDY });

  // Two Orthancs on private copies of the same database.
  const builtinDir = path.join(BENCH_DIR, 'run', 'builtin');
  const pluginDir = path.join(BENCH_DIR, 'run', 'plugin');
  const builtin = await Orthanc.create(builtinDir, { options: { WebDavEnabled: true } });
  // BENCH_MODULE_INSTANCES sets the plugin's ModuleInstances (README: several instances).
  const moduleInstances = Number(process.env.BENCH_MODULE_INSTANCES ?? 0);
  const pluginOptions = { WebDavEnabled: false, Plugins: [PLUGIN, floorPlugin] };
  const listenerPort = await freePort();
  pluginOptions.WebDavShare = { Listener: { Port: listenerPort } };
  if (moduleInstances > 0) pluginOptions.WebDavShare.ModuleInstances = moduleInstances;
  const plugin = await Orthanc.create(pluginDir, { options: pluginOptions });
  copyDatabase(dbDir, path.join(builtinDir, 'db'));
  copyDatabase(dbDir, path.join(pluginDir, 'db'));
  log(`archive ready in ${ms(performance.now() - archiveStarted)} (copied for both Orthancs)`);
  const stopAll = () => Promise.all([builtin.stop(), plugin.stop()]);
  process.once('SIGINT', () => stopAll().then(() => process.exit(130)));

  try {
    await builtin.start();
    const load = await startPluginOrthanc(plugin);
    const { status } = load;
    log(`plugin: catalog of ${status.Patients} patients, ${status.Studies} studies, ${status.Series} series loaded in ${status.CatalogLoadMs} ms; ` +
      `module memory ${mb(status.ModuleMemoryBytes)}; RSS of (B) ${mb(load.rssBefore)} before the load, ${mb(load.rssPeak)} at its peak, ${mb(load.rssAfter)} after`);

    // What the first user after a start (or, for the plugin, after any change to the
    // archive, which drops its cached names) waits for: no warm-up here.
    const firstListing = {};
    for (const [name, orthanc] of [['builtin', builtin], ['plugin', plugin]]) {
      firstListing[name] = (await timed(davUrl(`${orthanc.url}${SHARE_ROOT}`, ['by-studies']), 'PROPFIND', 207)).ms;
    }
    log(`first PROPFIND by-studies/ after start (cold caches): built-in ${ms(firstListing.builtin)}, plugin ${ms(firstListing.plugin)}`);

    const measured = await measure(builtin, plugin, manifest, listenerPort);
    if (process.env.BENCH_ONLY === 'load') {
      log(JSON.stringify(measured.load));
      return;
    }
    await stopAll(); // the upload case starts Orthancs of its own, one at a time
    const tableOnly = process.env.BENCH_ONLY === 'table';
    const uploads = tableOnly ? null : await benchUploadsIfPossible({ plugin: PLUGIN, benchDir: BENCH_DIR, log });
    const scale = tableOnly ? null : await benchScale({ plugin: PLUGIN, benchDir: BENCH_DIR, log });
    const bigPut = tableOnly ? null : await benchBigPut({ log });
    const summary = report({
      ...measured,
      uploads,
      scale,
      bigPut,
      load,
      firstListing,
      revision,
      archive: { ...manifest, reused },
      reps: REPS,
      walkCount: WALKS,
      concurrency: CONCURRENCY,
      totalSeconds: (performance.now() - started) / 1000,
    }, log);
    log('');
    log(JSON.stringify(summary));
    const requestTimes = measured.requests.map((r) => ({ case: r.name, timesMs: r.times, bytes: r.bytes }));
    const json = `${JSON.stringify({ ...summary, requestTimes, walkTimes: measured.walks }, null, 2)}\n`;
    writeFileSync(path.join(BENCH_DIR, 'last-result.json'), json);
    const resultName = `result-${STUDIES}${INSTANCES_PER_STUDY ? `-x${INSTANCES_PER_STUDY}` : ''}.json`;
    writeFileSync(path.join(BENCH_DIR, resultName), json);
    log(`(written to .bench/last-result.json and .bench/${resultName}, with every single timing)`);
  } finally {
    await stopAll();
    rmSync(path.join(builtinDir, 'db'), { recursive: true, force: true });
    rmSync(path.join(pluginDir, 'db'), { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
