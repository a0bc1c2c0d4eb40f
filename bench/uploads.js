// The upload case of the benchmark: the same N small DICOM files (BENCH_UPLOAD_FILES, default
// 2000; written once to .bench/upload-files/ as a CD-like tree of files without extension)
// imported into fresh Orthancs (empty databases, one running at a time), three ways:
//   (a) plugin:   `cp -r` into uploads/ of a davfs2 mount of the plugin's share;
//   (b) built-in: the same `cp -r` into uploads/ of Orthanc's own share (WebDavEnabled,
//                 WebDavUploadAllowed, no plugin);
//   (c) direct:   POST /instances from Node, DIRECT_PARALLELISM requests in flight;
//   (d) listener: PUT through the plugin's own listener (docs/listener.md), LISTENER_PARALLELISM
//                 at a time (each folder made with MKCOL first), against
//   (e) direct8:  POST /instances with as many in flight (issue 12: (d) at most 1.25 times (e));
//   (f) listenerDavfs: the davfs2 cp -r of (a), through the listener.
// Each time runs from the start of the copy until /statistics says CountInstances == N
// (polled every 100 ms); BENCH_UPLOAD_ROUNDS rounds (3) in changing orders, medians reported.
// davfs2 is the timed client because it is what a user who mounts the
// share runs, and it is not paced: rclone 1.60 waits 10 ms between WebDAV calls (its pacer) and
// checks every upload with a PROPFIND Depth 0 that Orthanc 1.10.1 answers with the parent folder
// first, so it would time rclone rather than the share, and report an error per file.
// davfs2 runs with its defaults (use_locks 1: LOCK, HEAD, HEAD, UNLOCK, PUT, HEAD per file)
// except delay_upload 0 (the default 10 s delay would only add a constant to (a) and (b)).
//
// Where the time of (a) goes, two more runs on fresh Orthancs with the plugin:
//   (a1) staging only: IngestWorkers 0, so the time of cp -r is the client's and the share's
//        (PUT, staging, fsync) without ingestion competing for the CPU;
//   (a2) ingestion only: that Orthanc restarted with IngestWorkers 2 imports the N staged
//        files; timed from the restart (Orthanc's start-up included) until CountInstances == N.
//
// `node bench/uploads.js` runs it alone (with the plugin already built by `npm run build`);
// bench/run.js runs it after the share measurements and adds the result to its summary.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Orthanc, freePort } from '../tests/lib/orthanc.js';
import { makeInstance, newUid } from '../tests/lib/dicom.js';
import { davfsUnavailable, mountDavfs, run, succeeded } from '../tests/lib/davfs.js';
import { PLUGIN, ROOT } from '../scripts/build.js';
import { pool } from './dav.js';

export const DIRECT_PARALLELISM = 4;
export const LISTENER_PARALLELISM = 8;
const FILES_VERSION = 1; // bump when the generated files change
const POLL_MS = 100;
const TIMEOUT_MS = 15 * 60 * 1000;
const INSTANCES_PER_SERIES = 50;
const SERIES_PER_STUDY = 2;
const STUDIES_PER_PATIENT = 2;

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const seconds = (msValue) => `${(msValue / 1000).toFixed(2)} s`;

/**
 * The N files, generated once (patients of 2 studies of 2 series of 50 instances, about 800
 * bytes each) into `<benchDir>/upload-files/files/P0000/ST0/SE0/IM00000`; reused while the
 * manifest says the same count and version. Returns the folder and the file list.
 */
export function ensureUploadFiles(benchDir, count, log) {
  const folder = path.join(benchDir, 'upload-files');
  const tree = path.join(folder, 'files');
  const manifestFile = path.join(folder, 'manifest.json');
  const manifest = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : null;
  if (manifest?.version === FILES_VERSION && manifest.count === count && existsSync(tree)) {
    return { tree, files: manifest.files.map((f) => path.join(tree, f)), bytes: manifest.bytes };
  }
  const started = performance.now();
  rmSync(folder, { recursive: true, force: true });
  const files = [];
  let bytes = 0;
  for (let p = 0; files.length < count; p += 1) {
    const patient = { PatientID: `UP${String(p).padStart(5, '0')}`, PatientName: `Upload^Bench${p}` };
    for (let s = 0; s < STUDIES_PER_PATIENT && files.length < count; s += 1) {
      const study = { ...patient, StudyInstanceUID: newUid(), StudyDate: '20230405', StudyDescription: `Study ${s}` };
      for (let e = 0; e < SERIES_PER_STUDY && files.length < count; e += 1) {
        const series = { ...study, SeriesInstanceUID: newUid(), Modality: 'CT', SeriesDescription: `Series ${e}`, SeriesNumber: String(e + 1) };
        const relative = path.join(`P${String(p).padStart(4, '0')}`, `ST${s}`, `SE${e}`);
        mkdirSync(path.join(tree, relative), { recursive: true });
        for (let i = 0; i < INSTANCES_PER_SERIES && files.length < count; i += 1) {
          const name = path.join(relative, `IM${String(i).padStart(5, '0')}`);
          const buffer = makeInstance({ ...series, SOPInstanceUID: newUid(), InstanceNumber: String(i + 1) });
          writeFileSync(path.join(tree, name), buffer);
          files.push(name);
          bytes += buffer.length;
        }
      }
    }
  }
  writeFileSync(manifestFile, JSON.stringify({ version: FILES_VERSION, count, bytes, files }));
  log(`upload files: ${count} files (${(bytes / 1048576).toFixed(1)} MB) generated in ${seconds(performance.now() - started)} into ${tree}`);
  return { tree, files: files.map((f) => path.join(tree, f)), bytes };
}

/**
 * Polls /statistics (and, with the plugin, its status route) every 100 ms from `started` until
 * CountInstances reaches `count`; `clientDone()` is the time the client ended, or null.
 * Returns { ms, stagedMs } (ms from `started`; stagedMs: when every file was staged, as the
 * status route's Pending + Imported says, for the plugin only).
 */
async function untilImported(orthanc, count, started, { plugin = false } = {}) {
  let stagedMs = null;
  for (;;) {
    const now = performance.now();
    const { CountInstances } = await orthanc.rest('GET', '/statistics');
    if (plugin && stagedMs === null) {
      const { Uploads } = await orthanc.rest('GET', '/webdav-share/status');
      if (Uploads.Pending + Uploads.Imported >= count) stagedMs = now - started;
    }
    if (CountInstances >= count) {
      if (CountInstances !== count) throw new Error(`CountInstances is ${CountInstances}, expected ${count}`);
      return { ms: now - started, stagedMs: stagedMs ?? (plugin ? now - started : null) };
    }
    if (now - started > TIMEOUT_MS) throw new Error(`only ${CountInstances} of ${count} instances after ${seconds(TIMEOUT_MS)}`);
    if (!orthanc.alive) throw new Error(`Orthanc died; see ${orthanc.logFile}`);
    await sleep(POLL_MS);
  }
}

/** cp -r of the tree into uploads/ of a davfs2 mount of `orthanc`; times the copy and the import. */
async function copyThroughDavfs(orthanc, tree, count, scratch, { plugin, settings, url = `${orthanc.url}/webdav/` }) {
  const mount = await mountDavfs(url, scratch, { name: 'mnt', settings });
  try {
    const started = performance.now();
    let clientMs = null;
    const copy = run('cp', ['-r', tree, path.join(mount.point, 'uploads', 'bench')], { timeout: TIMEOUT_MS })
      .then((r) => { clientMs = performance.now() - started; return r; });
    copy.catch(() => {}); // awaited below
    const imported = await untilImported(orthanc, count, started, { plugin });
    succeeded(await copy, 'cp -r into the davfs2 mount');
    return { ms: imported.ms, clientMs, stagedMs: imported.stagedMs };
  } finally {
    await mount.unmount();
  }
}

/**
 * `rclone copy` of the tree into uploads/bench/ of the share at `url` (rclone's 4 transfers at
 * a time, one retry); times the copy and the import (null: not all imported a minute after the copy). Its ERROR lines are counted, not fatal:
 * on Orthanc's port a PROPFIND of a file lists the parent first, and rclone 1.60 reports the
 * upload as failed though its bytes were stored (docs/listener.md).
 */
async function copyThroughRclone(orthanc, tree, count, url) {
  const started = performance.now();
  const result = await run('rclone', ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', 'copy', tree,
    ':webdav:bench', '--webdav-url', url, '--webdav-user', 'orthanc', '--webdav-pass', RCLONE_PASS], { timeout: TIMEOUT_MS });
  const clientMs = performance.now() - started;
  const errors = result.stderr.split('\n').filter((line) => line.includes('ERROR')).length;
  // the import may end after the client; a door that lost files never counts them all
  for (;;) {
    const { CountInstances } = await orthanc.rest('GET', '/statistics');
    if (CountInstances >= count) return { ms: performance.now() - started, clientMs, errors, imported: CountInstances };
    if (performance.now() - started - clientMs > 60000) return { ms: null, clientMs, errors, imported: CountInstances };
    await sleep(POLL_MS);
  }
}

/** rclone's obscured form of "orthanc" (`rclone obscure`), read once. */
let RCLONE_PASS = '';

/** POST /instances of every file, `parallelism` at a time. */
async function postDirectly(orthanc, files, parallelism) {
  const started = performance.now();
  let failures = 0;
  let clientMs = null;
  const posting = pool(files, parallelism, async (file) => {
    const answer = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: readFileSync(file) });
    await answer.arrayBuffer();
    if (answer.status !== 200) failures += 1;
  }).then(() => { clientMs = performance.now() - started; });
  posting.catch(() => {}); // awaited below
  const imported = await untilImported(orthanc, files.length, started);
  await posting;
  if (failures) throw new Error(`${failures} POST /instances failed`);
  return { ms: imported.ms, clientMs };
}

/**
 * PUT of every file of `tree` below uploads/bench/ through the listener at `port`, `parallelism`
 * at a time; the folders first, with MKCOL (the listener answers a PUT into a missing folder 409).
 */
async function putThroughListener(orthanc, port, tree, files, parallelism) {
  const started = performance.now();
  const base = `http://127.0.0.1:${port}/webdav/uploads/bench`;
  const encode = (relative) => relative.split(path.sep).map(encodeURIComponent).join('/');
  const folders = [...new Set(files.map((f) => path.dirname(path.relative(tree, f))))].filter((f) => f !== '.');
  const withParents = new Set();
  for (const folder of folders) {
    const parts = folder.split(path.sep);
    for (let i = 1; i <= parts.length; i++) withParents.add(parts.slice(0, i).join(path.sep));
  }
  const made = await fetch(base, { method: 'MKCOL' });
  if (made.status !== 201) throw new Error(`MKCOL uploads/bench: ${made.status}`);
  for (const folder of [...withParents].sort((a, b) => a.split(path.sep).length - b.split(path.sep).length)) {
    const answer = await fetch(`${base}/${encode(folder)}`, { method: 'MKCOL' });
    if (answer.status !== 201) throw new Error(`MKCOL ${folder}: ${answer.status}`);
  }
  let failures = 0;
  let clientMs = null;
  const putting = pool(files, parallelism, async (file) => {
    const answer = await fetch(`${base}/${encode(path.relative(tree, file))}`, { method: 'PUT', body: readFileSync(file) });
    await answer.arrayBuffer();
    if (answer.status !== 201) failures += 1;
  }).then(() => { clientMs = performance.now() - started; });
  putting.catch(() => {});
  const imported = await untilImported(orthanc, files.length, started, { plugin: true });
  await putting;
  if (failures) throw new Error(`${failures} PUTs through the listener failed`);
  return { ms: imported.ms, clientMs, stagedMs: imported.stagedMs };
}

/** A fresh Orthanc (empty database) in `directory`, started, given to `body`, then stopped. */
async function withOrthanc(directory, options, body) {
  const orthanc = await (await Orthanc.create(directory, options)).start();
  try {
    return await body(orthanc);
  } finally {
    await orthanc.stop();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs the upload case; returns the results (times in ms, medians of `rounds`). `plugin` is
 * the built .so; `benchDir` holds the files and the Orthancs' folders (removed at the end).
 * Environment: BENCH_UPLOAD_FILES (2000), BENCH_UPLOAD_ROUNDS (3: each round runs the three
 * targets, in a different order each round), BENCH_UPLOAD_LOCKS (1; 0 mounts davfs2 with
 * use_locks 0, 2 requests per file instead of 6), BENCH_UPLOAD_WORKERS (the plugin's IngestWorkers).
 */
export async function benchUploads({
  count = Number(process.env.BENCH_UPLOAD_FILES ?? 2000),
  rounds = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3),
  locks = (process.env.BENCH_UPLOAD_LOCKS ?? '1') !== '0',
  plugin = PLUGIN,
  benchDir = path.join(ROOT, '.bench'),
  log = console.log,
} = {}) {
  const { tree, files, bytes } = ensureUploadFiles(benchDir, count, log);
  for (const file of files) readFileSync(file); // in the page cache for every run alike
  const runDir = path.join(benchDir, 'upload-run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  chmodSync(runDir, 0o755); // the davfs2 daemon (user davfs2) must reach its cache inside
  const settings = locks ? [] : ['use_locks 0'];
  const client = `davfs2 1.6.1, cp -r, use_locks ${locks ? '1 (default)' : '0'}, delay_upload 0`;
  // BENCH_UPLOAD_WORKERS sets the plugin's IngestWorkers (its default when unset).
  const workers = process.env.BENCH_UPLOAD_WORKERS ? { IngestWorkers: Number(process.env.BENCH_UPLOAD_WORKERS) } : {};
  const pluginOptions = (share) => ({ options: { WebDavEnabled: false, Plugins: [plugin], WebDavShare: { ...workers, ...share } } });
  log(`uploads: ${count} files (${(bytes / 1048576).toFixed(1)} MB), each run into a fresh Orthanc, timed until /statistics counts ${count} instances; ` +
    `${rounds} rounds; client ${client}; direct with ${DIRECT_PARALLELISM} requests in parallel`);

  const targets = {
    plugin: (dir) => withOrthanc(dir, pluginOptions({}), (o) => copyThroughDavfs(o, tree, count, dir, { plugin: true, settings })),
    builtin: (dir) => withOrthanc(dir, { options: { WebDavEnabled: true, WebDavUploadAllowed: true } },
      (o) => copyThroughDavfs(o, tree, count, dir, { plugin: false, settings })),
    direct: (dir) => withOrthanc(dir, {}, (o) => postDirectly(o, files, DIRECT_PARALLELISM)),
    listener: async (dir) => {
      const port = await freePort();
      return withOrthanc(dir, pluginOptions({ Listener: { Port: port } }), (o) => putThroughListener(o, port, tree, files, LISTENER_PARALLELISM));
    },
    direct8: (dir) => withOrthanc(dir, {}, (o) => postDirectly(o, files, LISTENER_PARALLELISM)),
    listenerDavfs: async (dir) => {
      const port = await freePort();
      return withOrthanc(dir, pluginOptions({ Listener: { Port: port } }),
        (o) => copyThroughDavfs(o, tree, count, dir, { plugin: true, settings, url: `http://127.0.0.1:${port}/webdav/` }));
    },
  };
  const orders = [['direct', 'builtin', 'plugin', 'listenerDavfs', 'listener', 'direct8'],
    ['plugin', 'direct8', 'listenerDavfs', 'direct', 'listener', 'builtin'], ['listener', 'listenerDavfs', 'builtin', 'direct8', 'plugin', 'direct']];
  const runs = { plugin: [], builtin: [], direct: [], listener: [], direct8: [], listenerDavfs: [] };
  const describe = (name, r) => `${name} ${seconds(r.ms)}${r.clientMs !== undefined ? ` (client ${seconds(r.clientMs)}` : ''}` +
    `${r.stagedMs ? `, all staged ${seconds(r.stagedMs)}` : ''}${r.clientMs !== undefined ? ')' : ''}`;

  try {
    for (let round = 0; round < rounds; round += 1) {
      const line = [];
      for (const name of orders[round % orders.length]) {
        const dir = path.join(runDir, name);
        const result = await targets[name](dir);
        rmSync(dir, { recursive: true, force: true });
        runs[name].push(result);
        line.push(describe(name, result));
      }
      log(`  round ${round + 1}: ${line.join('; ')}`);
    }

    // Where the time of (a) goes: staging alone (no ingestion competing), then ingestion alone.
    const heldDir = path.join(runDir, 'plugin-held');
    const stagingOnly = await withOrthanc(heldDir, pluginOptions({ IngestWorkers: 0 }), async (held) => {
      const mount = await mountDavfs(`${held.url}/webdav/`, heldDir, { name: 'mnt', settings });
      try {
        const started = performance.now();
        succeeded(await run('cp', ['-r', tree, path.join(mount.point, 'uploads', 'bench')], { timeout: TIMEOUT_MS }), 'cp -r (staging only)');
        const clientMs = performance.now() - started;
        for (;;) { // cp may end before davfs2's last upload
          const { Uploads } = await held.rest('GET', '/webdav-share/status');
          if (Uploads.Pending >= count) break;
          if (performance.now() - started > TIMEOUT_MS) throw new Error(`only ${Uploads.Pending} files staged`);
          await sleep(POLL_MS);
        }
        return { ms: performance.now() - started, clientMs };
      } finally {
        await mount.unmount();
      }
    });
    log(`  (a1) plugin, staging only (IngestWorkers 0): every file staged after ${seconds(stagingOnly.ms)} (cp itself ${seconds(stagingOnly.clientMs)})`);
    const restarted = await Orthanc.create(heldDir, { ...pluginOptions({}), keepData: true });
    const restartAt = performance.now();
    await restarted.start();
    let ingestionOnly;
    try {
      const startupMs = performance.now() - restartAt;
      ingestionOnly = { ms: (await untilImported(restarted, count, restartAt)).ms, startupMs };
    } finally {
      await restarted.stop();
    }
    log(`  (a2) plugin, ingestion only (IngestWorkers 2, the staged files after a restart): ${seconds(ingestionOnly.ms)}, ` +
      `Orthanc's start-up included (${seconds(ingestionOnly.startupMs)} until /system answered)`);

    // rclone through the three doors, one round (rclone paces its calls: a slower client)
    RCLONE_PASS = (await run('rclone', ['obscure', 'orthanc'])).stdout.trim();
    const rcloneTargets = {
      listener: async (dir) => {
        const port = await freePort();
        return withOrthanc(dir, pluginOptions({ Listener: { Port: port } }),
          (o) => copyThroughRclone(o, tree, count, `http://127.0.0.1:${port}/webdav/uploads/`));
      },
      plugin: (dir) => withOrthanc(dir, pluginOptions({}), (o) => copyThroughRclone(o, tree, count, `${o.url}/webdav/uploads/`)),
      builtin: (dir) => withOrthanc(dir, { options: { WebDavEnabled: true, WebDavUploadAllowed: true } },
        (o) => copyThroughRclone(o, tree, count, `${o.url}/webdav/uploads/`)),
    };
    const rclone = {};
    for (const [name, target] of Object.entries(rcloneTargets)) {
      const dir = path.join(runDir, `rclone-${name}`);
      rclone[name] = await target(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    log(`  (g) rclone copy (1.60, 4 transfers): ${Object.entries(rclone).map(([name, r]) => `${name === 'plugin' ? 'Orthanc\'s port' : name} ` +
      `${r.ms === null ? `only ${r.imported} of ${count} imported` : seconds(r.ms)} (client ${seconds(r.clientMs)}, ${r.errors} ERROR lines)`).join('; ')}`);

    const pluginMs = median(runs.plugin.map((r) => r.ms));
    const builtinMs = median(runs.builtin.map((r) => r.ms));
    const directMs = median(runs.direct.map((r) => r.ms));
    const listenerMs = median(runs.listener.map((r) => r.ms));
    const direct8Ms = median(runs.direct8.map((r) => r.ms));
    const listenerDavfsMs = median(runs.listenerDavfs.map((r) => r.ms));
    const result = {
      listenerDavfsMs,
      listenerMs,
      direct8Ms,
      listenerOverDirect8: listenerMs / direct8Ms,
      files: count,
      bytes,
      rounds,
      client,
      directParallelism: DIRECT_PARALLELISM,
      pluginMs,
      builtinMs,
      directMs,
      pluginOverDirect: pluginMs / directMs,
      pluginOverBuiltin: pluginMs / builtinMs,
      targetMet: pluginMs <= 1.25 * directMs && pluginMs < builtinMs,
      runs,
      pluginStagingOnly: stagingOnly,
      rclone,
      pluginIngestionOnly: ingestionOnly,
    };
    log(`uploads of ${count} files (medians of ${rounds}): (a) plugin ${seconds(pluginMs)}, (b) built-in ${seconds(builtinMs)}, (c) direct ${seconds(directMs)}; ` +
      `(a)/(c) ${result.pluginOverDirect.toFixed(2)} (target <= 1.25), (a)/(b) ${result.pluginOverBuiltin.toFixed(2)} (target < 1): ` +
      `target ${result.targetMet ? 'met' : 'MISSED'}`);
    log(`  (d) listener, PUT ${LISTENER_PARALLELISM} at a time ${seconds(listenerMs)}, (e) direct, POST ${LISTENER_PARALLELISM} at a time ${seconds(direct8Ms)}: ` +
      `(d)/(e) ${result.listenerOverDirect8.toFixed(2)} (issue 12: at most 1.25)`);
    log(`  (f) the same davfs2 cp -r through the listener (its locks, LOCK/PUT/UNLOCK per file): ${seconds(listenerDavfsMs)}, ` +
      `against (a) Orthanc's port ${seconds(pluginMs)} and (b) the built-in ${seconds(builtinMs)}`);
    return result;
  } finally {
    // Never remove a folder with a mount still inside (an unmount that failed has thrown).
    const mounted = readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => (l.split(' ')[1] ?? '').startsWith(`${runDir}/`));
    if (!mounted) rmSync(runDir, { recursive: true, force: true });
  }
}

/** For bench/run.js: the upload case, or null (with the reason logged) when it cannot run here. */
export async function benchUploadsIfPossible(options) {
  const log = options.log ?? console.log;
  if (Number(process.env.BENCH_UPLOAD_FILES ?? 2000) === 0) {
    log('uploads: skipped (BENCH_UPLOAD_FILES=0)');
    return null;
  }
  const why = davfsUnavailable();
  if (why) {
    log(`uploads: skipped, davfs2 cannot run: ${why}`);
    return null;
  }
  return benchUploads(options);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(PLUGIN)) {
    console.error(`${PLUGIN} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  benchUploads().then((result) => {
    console.log(JSON.stringify(result));
  }, (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
