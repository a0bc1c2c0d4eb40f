// The read-only share through real WebDAV clients (rclone, cadaver, davfs2) against a real
// Orthanc 1.10.1 with the built plugin. Every client runs as a child process with a timeout, so a
// hung client fails its test instead of hanging the run. What a client shows is compared with
// what was uploaded (the fixture buffers, Orthanc's upload answers) and with the share's own
// listing over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { fixtureArchive } from '../lib/fixtures.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { run } from '../lib/davfs.js';

const VIEWS = ['by-dates', 'by-patients', 'by-studies', 'by-uids', 'uploads'];

let orthanc;
let dav;
let tmp; // scratch folder of this run (downloads, originals, davfs2 mount point and cache)
let originals; // folder holding every uploaded file as <Orthanc id>.dcm, for cmp
const uploaded = []; // { tags, buffer, id, series, study }
let expected; // Set of every path the share lists over HTTP: folders end with '/'
let mountPoint = null;


function ok(result, what) {
  assert.equal(result.status, 0, `${what} exited with ${result.status ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

/** An rclone remote named "orthanc" given entirely by environment variables (no config file). */
function rcloneEnv() {
  return {
    ...process.env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_ORTHANC_TYPE: 'webdav',
    RCLONE_CONFIG_ORTHANC_URL: `${orthanc.url}/webdav/`,
    RCLONE_CONFIG_ORTHANC_VENDOR: 'other',
  };
}
const RCLONE_FLAGS = ['--retries', '1', '--low-level-retries', '1', '--contimeout', '10s', '--timeout', '20s'];

const sorted = (iterable) => [...iterable].sort();
const dcmNames = (paths, prefix) => sorted(paths.filter((p) => p.startsWith(prefix) && p.endsWith('.dcm')).map((p) => path.posix.basename(p, '.dcm')));

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'clients'), {
    plugin: PLUGIN,
    // study.json / series.json hold IsStable: keep it constant while clients compare them.
    options: { StableAge: 3600 },
  })).start();
  dav = new WebDav(orthanc.url, '/webdav');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'webdav-clients-'));
  chmodSync(tmp, 0o755); // the davfs2 daemon (user davfs2) must reach its cache inside
  originals = path.join(tmp, 'originals');
  mkdirSync(originals);
  for (const file of fixtureArchive()) {
    const answer = await orthanc.upload(file.buffer);
    assert.equal(answer.Status, 'Success', `upload of ${file.tags.SOPInstanceUID}`);
    uploaded.push({ ...file, id: answer.ID, series: answer.ParentSeries, study: answer.ParentStudy });
    writeFileSync(path.join(originals, `${answer.ID}.dcm`), file.buffer);
  }
  const { files, folders } = await dav.walk([]);
  expected = new Set([
    ...folders.map((f) => `${f.components.join('/')}/`),
    ...files.map((f) => f.components.join('/')),
  ]);
});

async function unmountDavfs() {
  if (!mountPoint) return;
  const mounted = () => readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === mountPoint);
  if (mounted()) {
    try { await run('umount', [mountPoint], { timeout: 20000 }); } catch { /* fall back below */ }
  }
  for (const fallback of [['fusermount', '-u', mountPoint], ['fusermount', '-u', '-z', mountPoint], ['umount', '-l', mountPoint]]) {
    if (!mounted()) break;
    try { await run(fallback[0], fallback.slice(1), { timeout: 10000 }); } catch { /* next */ }
  }
  if (mounted()) throw new Error(`could not unmount the davfs2 mount ${mountPoint}`);
  mountPoint = null;
}

after(async () => {
  let failure = null;
  try { await unmountDavfs(); } catch (e) { failure = e; }
  await orthanc?.stop();
  // Never remove the scratch folder while something may still be mounted inside it.
  if (tmp && !failure) rmSync(tmp, { recursive: true, force: true });
  if (failure) throw failure;
});

test('the share lists every uploaded instance over HTTP (the reference for the clients)', () => {
  const paths = [...expected];
  assert.deepEqual(dcmNames(paths, 'by-studies/'), sorted(uploaded.map((f) => f.id)));
  assert.deepEqual(dcmNames(paths, 'by-uids/'), sorted(uploaded.map((f) => f.tags.SOPInstanceUID)));
});

test('rclone lsf -R lists every folder and file of the share', async () => {
  const result = ok(await run('rclone', ['lsf', '-R', ...RCLONE_FLAGS, 'orthanc:'], { env: rcloneEnv(), timeout: 30000 }), 'rclone lsf');
  const listed = result.stdout.split('\n').filter(Boolean);
  assert.equal(new Set(listed).size, listed.length, 'no path is listed twice');
  assert.deepEqual(sorted(listed), sorted(expected));
  for (const view of VIEWS) assert.ok(listed.includes(`${view}/`), `${view}/ is listed`);
  // Independently of the HTTP listing: the instances that were uploaded, by their names.
  assert.deepEqual(dcmNames(listed, 'by-studies/'), sorted(uploaded.map((f) => f.id)));
  assert.deepEqual(dcmNames(listed, 'by-patients/'), sorted(uploaded.map((f) => f.id)));
  assert.deepEqual(dcmNames(listed, 'by-uids/'), sorted(uploaded.map((f) => f.tags.SOPInstanceUID)));
  for (const name of new Set(uploaded.map((f) => f.tags.PatientName))) {
    assert.ok(listed.some((p) => p.startsWith('by-patients/') && p.includes(name)), `a by-patients folder shows ${name}`);
  }
});

test('rclone copy of by-uids: every DICOM file byte for byte, study.json and series.json as the REST API', async () => {
  const target = path.join(tmp, 'rclone');
  ok(await run('rclone', ['copy', ...RCLONE_FLAGS, '--transfers', '4', 'orthanc:by-uids', target], { env: rcloneEnv(), timeout: 45000 }), 'rclone copy');
  const local = readdirSync(target, { recursive: true }).map((p) => p.split(path.sep).join('/'))
    .filter((p) => statSync(path.join(target, p)).isFile());
  const remote = [...expected].filter((p) => p.startsWith('by-uids/') && !p.endsWith('/')).map((p) => p.slice('by-uids/'.length));
  assert.deepEqual(sorted(local), sorted(remote), 'rclone copied exactly the files the share lists');

  const bySop = new Map(uploaded.map((f) => [f.tags.SOPInstanceUID, f]));
  const dicoms = local.filter((p) => p.endsWith('.dcm'));
  assert.equal(dicoms.length, uploaded.length);
  for (const p of dicoms) {
    const [studyUid, seriesUid, name] = p.split('/');
    const original = bySop.get(name.slice(0, -4));
    assert.ok(original, `${p} is an uploaded instance`);
    assert.equal(studyUid, original.tags.StudyInstanceUID, `${p} is in its study's folder`);
    assert.equal(seriesUid, original.tags.SeriesInstanceUID, `${p} is in its series' folder`);
    assert.ok(readFileSync(path.join(target, p)).equals(original.buffer), `${p} is byte-identical to the uploaded file`);
  }

  const studies = new Map(uploaded.map((f) => [f.tags.StudyInstanceUID, f.study]));
  const series = new Map(uploaded.map((f) => [f.tags.SeriesInstanceUID, f.series]));
  for (const [uid, id] of studies) {
    const file = path.join(target, uid, 'study.json');
    assert.ok(existsSync(file), `${uid}/study.json was copied`);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), await orthanc.rest('GET', `/studies/${id}`), `${uid}/study.json`);
  }
  for (const f of uploaded) {
    const file = path.join(target, f.tags.StudyInstanceUID, f.tags.SeriesInstanceUID, 'series.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), await orthanc.rest('GET', `/series/${series.get(f.tags.SeriesInstanceUID)}`), `${f.tags.SeriesInstanceUID}/series.json`);
  }
});

/** Runs cadaver with `commands` on stdin, in `cwd`, with a HOME of its own (no .netrc, no .cadaverrc). */
async function cadaver(commands, cwd) {
  const home = path.join(tmp, 'cadaver-home');
  mkdirSync(home, { recursive: true });
  const result = await run('cadaver', ['-t', `${orthanc.url}/webdav/`], {
    input: `${commands.join('\n')}\nquit\n`,
    cwd,
    env: { ...process.env, HOME: home, LC_ALL: 'C.UTF-8' },
    timeout: 30000,
  });
  return ok(result, 'cadaver');
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('cadaver: ls shows the patients, get downloads the multi-frame file through a non-ASCII path', async () => {
  const listing = await cadaver(['ls by-patients'], tmp);
  assert.match(listing.stdout, /Listing collection `\/webdav\/by-patients\/': succeeded/);
  const collections = listing.stdout.split('\n').filter((l) => l.startsWith('Coll:'));
  const { entries } = await dav.propfind(['by-patients']);
  assert.equal(collections.length, entries.length, `cadaver lists ${entries.length} patients:\n${listing.stdout}`);
  for (const e of entries) {
    assert.ok(collections.some((l) => new RegExp(`^Coll:\\s+${escapeRegExp(e.name)}\\s+\\d+\\s`).test(l)), `cadaver lists ${e.name}`);
  }
  for (const f of uploaded) {
    assert.ok(collections.some((l) => l.includes(f.tags.PatientName)), `cadaver shows patient ${f.tags.PatientName}`);
  }

  const big = uploaded.reduce((a, b) => (b.buffer.length > a.buffer.length ? b : a));
  assert.ok(big.buffer.length > 4 * 1024 * 1024, 'the fixture has a multi-frame file of several MB');
  const remote = [...expected].find((p) => p.startsWith('by-studies/') && p.endsWith(`/${big.id}.dcm`));
  assert.ok(remote, `by-studies holds ${big.id}.dcm`);
  const folder = path.posix.dirname(remote);
  assert.match(folder, /[^\x00-\x7f]/, 'the folder name is not ASCII');
  const target = path.join(tmp, 'cadaver');
  mkdirSync(target, { recursive: true });
  const got = await cadaver([`cd "${folder}"`, `get ${big.id}.dcm ${path.join(target, 'got.dcm')}`], target);
  assert.match(got.stdout, /succeeded/, got.stdout);
  assert.doesNotMatch(got.stdout, /failed/i, got.stdout);
  ok(await run('cmp', [path.join(target, 'got.dcm'), path.join(originals, `${big.id}.dcm`)]), 'cmp of the file cadaver got');
});

/** Why davfs2 cannot run here, or null. */
function davfsUnavailable() {
  if (process.getuid?.() !== 0) return 'mounting with davfs2 needs root; run the tests as root';
  if (!existsSync('/sbin/mount.davfs') && !existsSync('/usr/sbin/mount.davfs')) return 'mount.davfs is missing: install the Debian package davfs2 (scripts/system-packages.js lists it)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing: the kernel has no FUSE (try `modprobe fuse`); davfs2 needs it';
  return null;
}

test('davfs2: the mounted share lists every folder (non-ASCII names too) and every file is byte-identical', async () => {
  const why = davfsUnavailable();
  if (why) assert.fail(`davfs2 cannot run on this machine: ${why}`);
  const davfs2Group = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'davfs2');
  assert.ok(davfs2Group, 'the group davfs2 exists (created by the davfs2 package)');

  // mount.davfs runs its daemon as the user davfs2: the cache must be writable by its group.
  const cache = path.join(tmp, 'davfs2-cache');
  mkdirSync(cache);
  chownSync(cache, 0, Number(davfs2Group[2]));
  chmodSync(cache, 0o775);
  const conf = path.join(tmp, 'davfs2.conf');
  // use_locks 0: the share is read-only; ask_auth 0: no credentials, never prompt.
  // buf_size 256: davfs2 1.6.1 answers EINVAL to a READDIR larger than its buffer (16 KiB by
  // default), and Linux >= 6.16 asks for as much as the caller's getdents64 buffer (32 KiB for ls).
  writeFileSync(conf, `use_locks 0\nask_auth 0\nbuf_size 256\ncache_dir ${cache}\n`);
  const point = path.join(tmp, 'mnt');
  mkdirSync(point);
  mountPoint = point;
  const mount = await run('mount', ['-t', 'davfs', '-o', `ro,conf=${conf}`, `${orthanc.url}/webdav/`, point], { input: '\n\n', timeout: 30000 });
  ok(mount, 'mount -t davfs');

  const env = { ...process.env, LC_ALL: 'C.UTF-8' };
  // ls -R: every folder of the share is a section header "mnt/...:".
  const ls = ok(await run('ls', ['-R', '-N', point], { env, timeout: 30000 }), 'ls -R of the davfs2 mount');
  const headers = ls.stdout.split('\n').filter((l) => l.startsWith(point) && l.endsWith(':')).map((l) => l.slice(point.length, -1).replace(/^\//, ''));
  const expectedFolders = [...expected].filter((p) => p.endsWith('/')).map((p) => p.slice(0, -1));
  for (const folder of ['', ...expectedFolders]) assert.ok(headers.includes(folder), `ls -R shows the folder "${folder}"`);
  for (const view of VIEWS) assert.ok(headers.includes(view), `ls -R shows ${view}`);
  for (const f of uploaded) {
    assert.ok(headers.some((h) => h.startsWith('by-patients/') && h.includes(f.tags.PatientName)), `ls -R shows a by-patients folder of ${f.tags.PatientName}`);
  }
  assert.ok(headers.some((h) => h.startsWith('by-dates/No study date/')), 'ls -R shows by-dates/No study date');

  // find: the whole tree, with types and sizes, equals the share's listing over HTTP.
  const found = ok(await run('find', [point, '-mindepth', '1', '-printf', '%y %s %P\\n'], { env, timeout: 30000 }), 'find on the davfs2 mount');
  const tree = new Map();
  for (const line of found.stdout.split('\n').filter(Boolean)) {
    const [, type, size, p] = line.match(/^(\S) (\d+) (.*)$/);
    tree.set(type === 'd' ? `${p}/` : p, Number(size));
  }
  // davfs2 adds a local lost+found at the root of every mount (its backup folder).
  if (!expected.has('lost+found/')) tree.delete('lost+found/');
  assert.deepEqual(sorted(tree.keys()), sorted(expected));

  const paths = [...tree.keys()];
  assert.deepEqual(dcmNames(paths, 'by-studies/'), sorted(uploaded.map((f) => f.id)));
  assert.deepEqual(dcmNames(paths, 'by-uids/'), sorted(uploaded.map((f) => f.tags.SOPInstanceUID)));
  const byId = new Map(uploaded.map((f) => [f.id, f]));
  const dicoms = paths.filter((p) => p.startsWith('by-studies/') && p.endsWith('.dcm'));
  assert.equal(dicoms.length, uploaded.length);
  for (const p of dicoms) {
    const original = byId.get(path.posix.basename(p, '.dcm'));
    assert.equal(tree.get(p), original.buffer.length, `size of ${p}`);
    ok(await run('cmp', [path.join(point, p), path.join(originals, `${original.id}.dcm`)], { timeout: 30000 }), `cmp ${p}`);
  }
});
