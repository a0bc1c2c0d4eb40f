// The share's own listener (docs/listener.md) through the read-only clients whose trouble on
// Orthanc's port started issue 11: cadaver (dates), gio/gvfs (Nautilus's client: dates, ETag,
// byte ranges) and a read-only davfs2 mount (dates as file times, every file byte-identical).
// What each client shows is compared with the listener's own PROPFIND answers and with the
// files Orthanc holds. Clients run as child processes with timeouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { fixtureArchive } from '../lib/fixtures.js';
import { run, succeeded, mountDavfs, davfsUnavailable } from '../lib/davfs.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

let orthanc;
let port;
let dav; // the listener
let tmp;
const originals = new Map(); // Orthanc instance id -> the uploaded bytes

before(async () => {
  port = await freePort();
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'listener-clients'), {
    plugin: PLUGIN,
    options: { StableAge: 3600, WebDavShare: { Listener: { Port: port } } },
  })).start();
  for (const file of fixtureArchive()) {
    const answer = await orthanc.upload(file.buffer);
    originals.set(answer.ID, file.buffer);
  }
  dav = new WebDav(`http://127.0.0.1:${port}`, '/webdav');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'listener-clients-'));
  chmodSync(tmp, 0o755); // the davfs2 daemon (user davfs2) must reach its cache inside
});

after(async () => {
  await orthanc?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The by-studies series folder that holds the multi-frame file, its entries as the listener lists them. */
async function seriesWithLargeFile() {
  const { files } = await dav.walk(['by-studies']);
  const large = files.reduce((a, b) => (b.name.endsWith('.dcm') && b.size > (a?.size ?? 0) ? b : a), null);
  assert.ok(large && large.size > 1000000, 'the fixture archive has a multi-frame file of several MB');
  const folder = large.components.slice(0, -1);
  const { status, entries } = await dav.propfind(folder, 1);
  assert.equal(status, 207);
  return { folder, entries, large };
}

/** The by-studies series folder with the most files, its entries as the listener lists them. */
async function seriesWithMostFiles() {
  const { files } = await dav.walk(['by-studies']);
  const counts = new Map();
  for (const f of files) {
    const key = JSON.stringify(f.components.slice(0, -1));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const folder = JSON.parse([...counts.entries()].sort((a, b) => b[1] - a[1])[0][0]);
  const { status, entries } = await dav.propfind(folder, 1);
  assert.equal(status, 207);
  return { folder, entries };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The two forms of ls -l dates cadaver writes (recent: time of day; else the year), in UTC. */
function cadaverDates(httpDate) {
  const d = new Date(httpDate);
  assert.ok(!Number.isNaN(d.getTime()), `getlastmodified is an HTTP date: ${httpDate}`);
  const day = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}`;
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return [`${day} ${hm}`, `${day}  ${d.getUTCFullYear()}`];
}

test('cadaver: ls shows every file of a series with its size and its date', async () => {
  const { folder, entries } = await seriesWithMostFiles();
  const home = path.join(tmp, 'cadaver-home');
  mkdirSync(home, { recursive: true });
  const url = `http://127.0.0.1:${port}/webdav/${folder.map(encodeURIComponent).join('/')}/`;
  const result = succeeded(await run('cadaver', ['-t', url], { input: 'ls\nquit\n', env: { ...process.env, HOME: home, TZ: 'UTC' }, timeout: 30000 }), 'cadaver');
  const lines = result.stdout.split('\n');
  const files = entries.filter((e) => !e.isFolder);
  assert.ok(files.length >= 2, 'the series folder holds files');
  for (const file of files) {
    const line = lines.find((l) => l.trim().startsWith(`${file.name} `));
    assert.ok(line, `cadaver lists ${file.name}:\n${result.stdout}`);
    assert.match(line, new RegExp(`\\s${file.size}\\s`), `cadaver shows the size of ${file.name}: ${line}`);
    const dates = cadaverDates(file.lastModified);
    assert.ok(dates.some((d) => line.includes(d)), `cadaver shows the date of ${file.name} (${dates.join(' or ')}): ${line}`);
  }
});

/** Runs `script` (sh) in a D-Bus session of its own, where gvfs's daemons are started on demand. */
function inDbusSession(script) {
  return run('dbus-run-session', ['--', 'sh', '-ec', script], { env: { ...process.env, HOME: path.join(tmp, 'gio-home'), TZ: 'UTC' }, timeout: 90000 });
}

test('gio (gvfs, the client of Nautilus): names, sizes, dates and ETags as listed; a copied file is byte-identical', async () => {
  mkdirSync(path.join(tmp, 'gio-home'), { recursive: true });
  const { folder, entries, large } = await seriesWithLargeFile();
  const location = `dav://127.0.0.1:${port}/webdav/${folder.map(encodeURIComponent).join('/')}/`;
  const copy = path.join(tmp, 'gio-copy.dcm');
  const result = succeeded(await inDbusSession([
    `gio mount "dav://127.0.0.1:${port}/webdav/" < /dev/null`,
    `gio list -a standard::size,time::modified,etag::value,standard::type "${location}"`,
    'echo ==copy==',
    `gio copy "${location}${encodeURIComponent(large.name)}" "${copy}"`,
    `gio mount -u "dav://127.0.0.1:${port}/webdav/"`,
  ].join('\n')), 'gio');
  const listed = result.stdout.split('==copy==')[0].split('\n').filter((l) => l.includes('\t'));
  assert.equal(listed.length, entries.length, `gio lists the ${entries.length} entries:\n${result.stdout}`);
  for (const entry of entries) {
    const line = listed.find((l) => l.split('\t')[0] === entry.name);
    assert.ok(line, `gio lists ${entry.name}:\n${result.stdout}`);
    const modified = Number(/time::modified=(\d+)/.exec(line)?.[1]);
    assert.equal(modified, Date.parse(entry.lastModified) / 1000, `gio's date of ${entry.name} is getlastmodified: ${line}`);
    if (!entry.isFolder) {
      assert.equal(Number(line.split('\t')[1]), entry.size, `gio's size of ${entry.name}`);
      assert.equal(/etag::value=(\S+)/.exec(line)?.[1], entry.etag, `gio holds the ETag of ${entry.name}: ${line}`);
    }
  }
  const id = path.basename(large.name, '.dcm');
  assert.ok(readFileSync(copy).equals(originals.get(id)), 'the file gio copied is the uploaded one');
});

test('davfs2, read-only: every file and folder as listed, file times are getlastmodified, files byte-identical', async () => {
  const why = davfsUnavailable();
  if (why) assert.fail(`davfs2 cannot run on this machine: ${why}`);
  const { files, folders } = await dav.walk([]);
  const mount = await mountDavfs(`http://127.0.0.1:${port}/webdav/`, tmp, { name: 'davfs', readOnly: true });
  try {
    const env = { ...process.env, LC_ALL: 'C.UTF-8' };
    const found = succeeded(await run('find', [mount.point, '-mindepth', '1', '-not', '-path', `${mount.point}/lost+found*`, '-printf', '%y %s %T@ %P\\n'], { env, timeout: 60000 }), 'find');
    const shown = new Map(found.stdout.trim().split('\n').map((line) => {
      const [type, size, time, ...rest] = line.split(' ');
      return [rest.join(' '), { type, size: Number(size), time: Number(time) }];
    }));
    const expected = [...folders.map((f) => ({ ...f, type: 'd' })), ...files.map((f) => ({ ...f, type: 'f' }))];
    assert.equal(shown.size, expected.length, 'the mount holds what the listener lists, no more, no less');
    for (const entry of expected) {
      const key = entry.components.join('/');
      const got = shown.get(key);
      assert.ok(got, `the mount shows ${key}`);
      assert.equal(got.type, entry.type, `${key} is a ${entry.type === 'd' ? 'folder' : 'file'}`);
      if (entry.type === 'f') assert.equal(got.size, entry.size, `size of ${key}`);
      // the view roots and uploads/ carry the time of the request (nothing of their own): a second may pass between two reads
      if (entry.components.length > 1) assert.equal(got.time, Date.parse(entry.lastModified) / 1000, `the file time of ${key} is its getlastmodified`);
    }
    for (const file of files.filter((f) => f.name.endsWith('.dcm') && f.components[0] === 'by-studies')) {
      const bytes = readFileSync(path.join(mount.point, ...file.components));
      assert.ok(bytes.equals(originals.get(path.basename(file.name, '.dcm'))), `${file.components.join('/')} is byte-identical`);
    }
    assert.ok(statSync(mount.point).isDirectory());
  } finally {
    await mount.unmount();
  }
});
