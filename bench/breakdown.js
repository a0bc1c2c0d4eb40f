// Where the time of one request type goes, on the server: `perf` samples the Orthanc process
// while one client sends the same request REQUESTS times, one after the other, to the built-in
// share and then to the plugin's, on copies of the same archive. Samples are grouped by what
// owns the code (the libraries Debian's Orthanc links dynamically have their own names in the
// profile, so the core's XML writer, its HTTP server and its database are told apart); the
// Orthanc CPU time of the loop (/proc/PID/stat) is split in the samples' proportions.
//
//   node bench/breakdown.js [view/folder ...]     (default: by-uids, the slowest listing)
// Environment: BENCH_STUDIES (10000), BENCH_INSTANCES_PER_STUDY (as in run.js),
// BENCH_BREAKDOWN_REQUESTS (100), BENCH_BREAKDOWN_DEPTH (1). Needs `perf` (linux-perf).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Orthanc } from '../tests/lib/orthanc.js';
import { build, ROOT } from '../scripts/build.js';
import { copyDatabase, ensureArchive } from './archive.js';
import { davUrl } from './dav.js';
import { drain, startPluginOrthanc } from './measure.js';

const STUDIES = Number(process.env.BENCH_STUDIES ?? 10000);
const INSTANCES_PER_STUDY = Number(process.env.BENCH_INSTANCES_PER_STUDY ?? 0) || null;
const REQUESTS = Number(process.env.BENCH_BREAKDOWN_REQUESTS ?? 100);
const DEPTH = process.env.BENCH_BREAKDOWN_DEPTH ?? '1';
const FOLDER = process.argv.length > 2 ? process.argv.slice(2) : ['by-uids'];
const BENCH_DIR = path.join(ROOT, '.bench');
const PLUGIN_FILE = 'libOrthancWebDavShare.so';

/**
 * What owns a sample, from its DSO and symbol. The module is the wasm2c output (every function
 * named w2c_*); the rest of our .so is the shim and the wasm2c runtime.
 */
const CATEGORIES = [
  ['module (AssemblyScript, wasm2c)', (dso, sym) => dso === PLUGIN_FILE && sym.startsWith('w2c_')],
  ['shim (C)', (dso) => dso === PLUGIN_FILE],
  ['core: XML writing (libpugixml)', (dso) => dso.startsWith('libpugixml')],
  ['core: HTTP server (libcivetweb)', (dso) => dso.startsWith('libcivetweb')],
  ['core: database (libsqlite3)', (dso) => dso.startsWith('libsqlite3')],
  ['core: JSON of REST answers (libjsoncpp)', (dso) => dso.startsWith('libjsoncpp')],
  ['core: Orthanc itself (stripped binary)', (dso) => dso === 'Orthanc'],
  ['C/C++ runtime (malloc, strings, streams)', (dso) => /^(libc\.|libstdc\+\+|libm\.|ld-linux|libgcc)/.test(dso)],
  ['kernel (sockets, files, scheduling)', (dso) => dso === '[kernel.kallsyms]' || dso.startsWith('[')],
  ['other libraries', () => true],
];

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime (fields 14, 15)
}

async function request(url) {
  const answer = await fetch(url, { method: 'PROPFIND', headers: { Depth: DEPTH } });
  await drain(answer);
  if (answer.status !== 207) throw new Error(`PROPFIND ${url}: ${answer.status}`);
}

/** The loop under perf; returns { wallMs, cpuMs } per request and the samples by category. */
async function profile(orthanc, root, label) {
  const url = davUrl(root, FOLDER, true);
  for (let i = 0; i < 3; i += 1) await request(url); // caches warm, as in the request table
  const pid = orthanc.process.pid;
  const dataFile = path.join(BENCH_DIR, `breakdown-${label}.perf`);
  const perf = spawn('perf', ['record', '-F', '2000', '-p', String(pid), '-o', dataFile], { stdio: 'ignore' });
  const perfExited = new Promise((resolve) => perf.on('exit', resolve));
  await new Promise((r) => setTimeout(r, 1000)); // perf attached
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i += 1) await request(url);
  const wallMs = (performance.now() - started) / REQUESTS;
  const cpuMs = ((cpuSeconds(pid) - cpuBefore) * 1000) / REQUESTS;
  perf.kill('SIGINT');
  await perfExited;
  const report = execFileSync('perf', ['report', '-i', dataFile, '--no-children', '--sort', 'dso,sym', '--stdio',
    '--field-separator', '\t', '-F', 'overhead,dso,sym'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  rmSync(dataFile, { force: true });
  const shares = new Map(CATEGORIES.map(([name]) => [name, 0]));
  for (const line of report.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [overhead, dso, sym] = line.split('\t');
    const percent = Number.parseFloat(overhead);
    if (!Number.isFinite(percent)) continue;
    const symbol = (sym ?? '').replace(/^\[[.k]\]\s*/, '').trim();
    const [name] = CATEGORIES.find(([, owns]) => owns(dso.trim(), symbol));
    shares.set(name, shares.get(name) + percent);
  }
  return { wallMs, cpuMs, shares };
}

async function main() {
  const plugin = build('build');
  const { dbDir, manifest } = await ensureArchive(STUDIES, BENCH_DIR, console.log, { instancesPerStudy: INSTANCES_PER_STUDY });
  const shares = [
    ['built-in', { WebDavEnabled: true }],
    ['plugin', { WebDavEnabled: false, Plugins: [plugin] }],
  ];
  console.log(`breakdown: ${REQUESTS} x PROPFIND Depth ${DEPTH} /${FOLDER.join('/')}/ one after the other; ` +
    `${manifest.studies} studies, ${manifest.instances} instances`);
  const results = [];
  for (const [label, options] of shares) {
    const dir = path.join(BENCH_DIR, 'run', `breakdown-${label}`);
    const orthanc = await Orthanc.create(dir, { options });
    copyDatabase(dbDir, path.join(dir, 'db'));
    try {
      if (label === 'plugin') await startPluginOrthanc(orthanc);
      else await orthanc.start();
      results.push([label, await profile(orthanc, `${orthanc.url}/webdav`, label)]);
    } finally {
      await orthanc.stop();
      rmSync(path.join(dir, 'db'), { recursive: true, force: true });
    }
  }
  const cell = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  console.log(`\n| per request | ${results.map(([label]) => label).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---|').join('')}`);
  console.log(`| wall time (client) | ${results.map(([, r]) => cell(r.wallMs)).join(' | ')} |`);
  console.log(`| Orthanc CPU time | ${results.map(([, r]) => cell(r.cpuMs)).join(' | ')} |`);
  for (const [name] of CATEGORIES) {
    const values = results.map(([, r]) => (r.shares.get(name) / 100) * r.cpuMs);
    if (values.every((v) => v < 0.005)) continue;
    console.log(`| - ${name} | ${results.map(([, r], i) => `${cell(values[i])} (${r.shares.get(name).toFixed(0)}%)`).join(' | ')} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
