// The share's own listener (docs/listener.md) against a real Orthanc 1.10.1 with the built
// plugin: the protocol rules of issue 11 with curl-like requests (fetch), rclone, and the same
// tree as Orthanc's port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { XMLParser } from 'fast-xml-parser';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { fixtureArchive } from '../lib/fixtures.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const xml = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'response' || name === 'propstat' });
let orthanc;
let port;
let base;
let dav; // the listener
let core; // Orthanc's port
const instances = []; // { id, size }

before(async () => {
  port = await freePort();
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'listener'), {
    plugin: PLUGIN,
    options: { WebDavShare: { Listener: { Port: port, MaxInfinityEntries: 60 } } },
  })).start();
  for (const file of fixtureArchive()) {
    const answer = await orthanc.upload(file.buffer);
    instances.push({ id: answer.ID, size: file.buffer.length });
  }
  base = `http://127.0.0.1:${port}`;
  dav = new WebDav(base, '/webdav');
  core = new WebDav(orthanc.url, '/webdav');
});

after(async () => {
  await orthanc?.stop();
});

function request(method, target, headers = {}, body = undefined) {
  return fetch(`${base}${target}`, { method, headers, body });
}

async function firstFile() {
  const { files } = await dav.walk(['by-uids']);
  const file = files.find((f) => f.name.endsWith('.dcm'));
  assert.ok(file, 'by-uids holds .dcm files');
  return file;
}

test('OPTIONS answers class 1 and 2, the methods and MS-Author-Via, at the root of the server too', async () => {
  for (const target of ['/webdav/', '/webdav/by-patients/', '/']) {
    const answer = await request('OPTIONS', target);
    assert.equal(answer.status, 200, target);
    assert.equal(answer.headers.get('dav'), '1, 2', target);
    assert.equal(answer.headers.get('ms-author-via'), 'DAV', target);
    assert.match(answer.headers.get('allow'), /PROPFIND/, target);
  }
});

test('both ports serve the same tree: every path, size and type', async () => {
  const [mine, theirs] = [await dav.walk(), await core.walk()];
  const describe = ({ files, folders }) => [
    ...files.map((f) => `${f.components.join('/')} ${f.size} ${f.type}`),
    ...folders.map((f) => `${f.components.join('/')}/`),
  ].sort();
  const a = describe(mine);
  assert.ok(a.length > 30, `the fixture gives a tree (${a.length} entries)`);
  assert.deepEqual(a, describe(theirs));
  // dates: the same instants, written as HTTP dates here (RFC 4918 15.7) and ISO 8601 by the core
  const theirDates = new Map(theirs.files.map((f) => [f.components.join('/'), Date.parse(f.lastModified)]));
  for (const f of mine.files) {
    assert.match(f.lastModified, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/, f.href);
    assert.equal(Date.parse(f.lastModified), theirDates.get(f.components.join('/')), f.href);
  }
});

test('a file\'s PROPFIND answers that file alone, with its ETag; a folder without its slash is answered, href with slash', async () => {
  const file = await firstFile();
  const answer = await request('PROPFIND', file.href, { Depth: '1' });
  assert.equal(answer.status, 207);
  const responses = xml.parse(await answer.text()).multistatus.response;
  assert.equal(responses.length, 1);
  assert.equal(responses[0].href, file.href);
  const etag = responses[0].propstat[0].prop.getetag;
  const got = await request('HEAD', file.href);
  assert.equal(got.headers.get('etag'), etag);
  const folder = await request('PROPFIND', '/webdav/by-uids', { Depth: '0' });
  assert.equal(folder.status, 207);
  assert.equal(xml.parse(await folder.text()).multistatus.response[0].href, '/webdav/by-uids/');
});

test('Depth infinity streams the whole subtree; beyond MaxInfinityEntries 403 propfind-finite-depth', async () => {
  const study = (await dav.propfind(['by-uids'])).entries[0];
  const walked = await dav.walk(study.components);
  const answer = await request('PROPFIND', study.href, { Depth: 'infinity' });
  assert.equal(answer.status, 207);
  const hrefs = xml.parse(await answer.text()).multistatus.response.map((r) => r.href).sort();
  const expected = [study.href, ...walked.files.map((f) => f.href), ...walked.folders.map((f) => f.href)].sort();
  assert.deepEqual(hrefs, expected);
  const whole = await request('PROPFIND', '/webdav/', {}); // no Depth: infinity (RFC 4918 10.2)
  assert.equal(whole.status, 403);
  assert.match(await whole.text(), /<D:propfind-finite-depth\/>/);
});

test('prop asks: known ones found, unknown ones in a 404 propstat; propname; malformed XML 400', async () => {
  const body = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:x"><D:prop><D:getlastmodified/><Z:color/><D:getcontentlength/></D:prop></D:propfind>';
  const answer = await request('PROPFIND', '/webdav/by-uids/', { Depth: '0' }, body);
  assert.equal(answer.status, 207);
  const [response] = xml.parse(await answer.text()).multistatus.response;
  assert.equal(response.propstat.length, 2);
  assert.match(response.propstat[0].status, /200/);
  assert.ok('getlastmodified' in response.propstat[0].prop);
  assert.match(response.propstat[1].status, /404/);
  assert.ok('color' in response.propstat[1].prop && 'getcontentlength' in response.propstat[1].prop, 'a folder has no length');
  const names = await request('PROPFIND', '/webdav/', { Depth: '0' }, '<propfind xmlns="DAV:"><propname/></propfind>');
  assert.match(await names.text(), /<D:getlastmodified\/>/);
  for (const bad of ['<propfind xmlns="DAV:"><prop>', '<!DOCTYPE x [<!ENTITY a "b">]><propfind xmlns="DAV:"><allprop/></propfind>']) {
    assert.equal((await request('PROPFIND', '/webdav/', { Depth: '0' }, bad)).status, 400, bad);
  }
  assert.equal((await request('PROPFIND', '/webdav/', { Depth: '2' })).status, 400);
});

test('GET and HEAD: the instance\'s bytes, Content-Length, ranges, 416, and the conditions', async () => {
  const file = await firstFile();
  const whole = await request('GET', file.href);
  assert.equal(whole.status, 200);
  const bytes = Buffer.from(await whole.arrayBuffer());
  assert.equal(bytes.length, file.size);
  assert.ok(instances.some((i) => i.size === bytes.length));
  assert.equal(bytes.subarray(128, 132).toString('latin1'), 'DICM');
  const head = await request('HEAD', file.href);
  assert.equal(head.headers.get('content-length'), String(bytes.length));
  assert.equal(head.headers.get('accept-ranges'), 'bytes');
  const etag = head.headers.get('etag');
  const modified = head.headers.get('last-modified');
  assert.match(etag, /^"[^"]+"$/);
  const part = await request('GET', file.href, { Range: 'bytes=128-131' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 128-131/${bytes.length}`);
  assert.equal(Buffer.from(await part.arrayBuffer()).toString('latin1'), 'DICM');
  const suffix = await request('GET', file.href, { Range: 'bytes=-10' });
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(bytes.length - 10));
  const beyond = await request('GET', file.href, { Range: `bytes=${bytes.length}-` });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${bytes.length}`);
  assert.equal((await request('GET', file.href, { 'If-None-Match': etag })).status, 304);
  assert.equal((await request('GET', file.href, { 'If-Modified-Since': modified })).status, 304);
  assert.equal((await request('GET', file.href, { 'If-Match': '"other"' })).status, 412);
  assert.equal((await request('GET', file.href, { 'If-Match': etag })).status, 200);
  const stale = await request('GET', file.href, { Range: 'bytes=0-3', 'If-Range': '"other"' });
  assert.equal(stale.status, 200, 'If-Range with another tag sends the whole');
});

test('GET of a folder answers an HTML index with its children', async () => {
  const answer = await request('GET', '/webdav/');
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type'), /text\/html/);
  const html = await answer.text();
  for (const name of ['by-patients/', 'by-studies/', 'by-uids/']) assert.ok(html.includes(`href="${name}"`), name);
});

test('POST is 405 with the reason; the views refuse writes; nothing is touched', async () => {
  const post = await request('POST', '/webdav/uploads/x.dcm', {}, 'data');
  assert.equal(post.status, 405);
  assert.match(await post.text(), /not on this port of the share yet/);
  assert.equal((await core.propfind(['uploads', 'x.dcm'], 0)).status, 404, 'nothing was made');
  const inViews = await request('COPY', '/webdav/uploads/x.dcm', { Destination: `${base}/webdav/by-uids/x.dcm` });
  assert.ok([403, 404].includes(inViews.status), `COPY into the views: ${inViews.status}`);
  assert.equal((await request('PUT', '/webdav/by-uids/x.dcm', {}, 'data')).status, 403, 'no PUT into the views');
  const study = (await dav.propfind(['by-uids'])).entries[0];
  const refused = await request('DELETE', study.href);
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /DeleteAllowed/);
  assert.equal((await core.propfind(study.components, 0)).status, 207, 'the study is still there');
});

test('targets outside the share, with dot segments or bad escapes, are refused', async () => {
  assert.equal((await request('GET', '/system')).status, 404, 'the REST API is not served here');
  assert.equal((await request('PROPFIND', '/webdav/by-uids/%ZZ', { Depth: '0' })).status, 400);
  assert.equal((await request('PROPFIND', '/webdav/by-uids/%FF', { Depth: '0' })).status, 400);
  const dots = await new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /webdav/../system HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let text = '';
    socket.on('data', (d) => { text += d; });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(dots, /^HTTP\/1\.1 400/);
});

test('rclone lists, copies and checks the share through the listener with no ERROR line', async () => {
  const target = mkdtempSync(path.join(os.tmpdir(), 'listener-rclone-'));
  try {
    const remote = ['--webdav-url', `${base}/webdav`, ':webdav:by-patients'];
    const listed = spawnSync('rclone', ['lsf', '-R', ...remote], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.doesNotMatch(listed.stderr, /ERROR/);
    const copied = spawnSync('rclone', ['copy', ...remote, target], { encoding: 'utf8' });
    assert.equal(copied.status, 0, copied.stderr);
    assert.doesNotMatch(copied.stderr, /ERROR/);
    const checked = spawnSync('rclone', ['check', '--download', ...remote, target], { encoding: 'utf8' });
    assert.equal(checked.status, 0, checked.stderr);
    assert.doesNotMatch(checked.stderr, /ERROR/);
    const count = (dir) => readdirSync(dir).reduce((n, e) => n + (statSync(path.join(dir, e)).isDirectory() ? count(path.join(dir, e)) : 1), 0);
    const { files } = await dav.walk(['by-patients']);
    assert.equal(count(target), files.length);
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});

test('200 idle connections from 100 addresses do not stop the share answering another client', async () => {
  const idle = [];
  let closedByServer = 0;
  for (let i = 0; i < 200; i++) {
    idle.push(await new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 100)}` }, () => resolve(socket));
      socket.on('close', () => { closedByServer++; });
      socket.on('error', reject);
    }));
  }
  try {
    await new Promise((r) => setTimeout(r, 500));
    const answer = await request('PROPFIND', '/webdav/', { Depth: '1' });
    assert.equal(answer.status, 207);
    assert.equal(closedByServer, 0, 'the idle connections are all still open: held, not refused');
  } finally {
    for (const socket of idle) socket.destroy();
  }
});

test('one address cannot take every connection: beyond 64 it is turned away, others are served', async () => {
  const held = [];
  let closedByServer = 0;
  for (let i = 0; i < 80; i++) {
    held.push(await new Promise((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.250' }, () => resolve(socket));
      socket.on('close', () => { closedByServer++; });
      socket.on('error', () => resolve(socket));
    }));
  }
  try {
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(closedByServer, 16, 'connections 65 to 80 of one address are closed (libmicrohttpd PER_IP_CONNECTION_LIMIT)');
    assert.equal((await request('PROPFIND', '/webdav/', { Depth: '0' })).status, 207);
  } finally {
    for (const socket of held) socket.destroy();
  }
});

test('a client that is not 127.0.0.1 is refused without RemoteAccessAllowed, as Orthanc refuses it', async () => {
  const status = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PROPFIND', path: '/webdav/', localAddress: '127.0.0.2', headers: { Depth: '0' } },
      (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 403);
});

test('MKCOL, MOVE and DELETE in uploads/ through the listener; Orthanc\'s port sees the same folders', async () => {
  assert.equal((await request('MKCOL', '/webdav/uploads/a%20b/c')).status, 409, 'no parent: 409');
  assert.equal((await request('MKCOL', '/webdav/uploads/a%20b')).status, 201);
  assert.equal((await request('MKCOL', '/webdav/uploads/a%20b')).status, 405);
  assert.equal((await request('MKCOL', '/webdav/uploads/a%20b/New%20folder')).status, 201);
  // Explorer: "New folder", then MOVE to the name typed
  const moved = await request('MOVE', '/webdav/uploads/a%20b/New%20folder', { Destination: `${base}/webdav/uploads/a%20b/CD%20%C3%A9` });
  assert.equal(moved.status, 201);
  const onCore = await core.propfind(['uploads', 'a b'], 1);
  assert.equal(onCore.status, 207);
  assert.deepEqual(onCore.entries.map((e) => e.name), ['CD é'], 'Orthanc\'s port lists the moved folder under its new name');
  assert.equal((await request('MOVE', '/webdav/uploads/a%20b', { Destination: 'http://other.example/webdav/uploads/x' })).status, 502);
  assert.equal((await request('MOVE', '/webdav/uploads/a%20b', { Destination: `${base}/webdav/by-uids/x` })).status, 403);
  assert.equal((await request('DELETE', '/webdav/uploads/nothing')).status, 404);
  assert.equal((await request('DELETE', '/webdav/uploads/a%20b')).status, 204);
  assert.equal((await core.propfind(['uploads', 'a b'], 0)).status, 404, 'gone on Orthanc\'s port too');
  const options = await request('OPTIONS', '/webdav/uploads/');
  assert.match(options.headers.get('allow'), /MKCOL/);
  assert.doesNotMatch((await request('OPTIONS', '/webdav/by-uids/')).headers.get('allow'), /MKCOL/);
});

// Last: it deletes an instance. Ranges of one file are served from one read of it kept a few
// seconds (plugin-shim/instance_cache.h); what must hold is that every part is the file's, also
// with several clients reading at once, and that a deleted file is not served from there.
test('a large file read in ranges by 4 clients at once is its bytes; once deleted, it is 404', async () => {
  const { files } = await dav.walk(['by-uids']);
  const large = files.reduce((a, b) => (b.name.endsWith('.dcm') && b.size > (a?.size ?? 0) ? b : a), null);
  assert.ok(large.size > 4 * 1048576, 'the fixture archive has a multi-frame file of several MB');
  const whole = Buffer.from(await (await request('GET', large.href)).arrayBuffer());
  assert.equal(whole.length, large.size);
  const part = 256 * 1024 + 7; // not a power of two: parts straddle every boundary
  const reader = async (offset) => {
    const parts = [];
    for (let start = offset * 1000; start < whole.length; start += part) {
      const end = Math.min(start + part, whole.length) - 1;
      const answer = await request('GET', large.href, { Range: `bytes=${start}-${end}` });
      assert.equal(answer.status, 206);
      assert.equal(answer.headers.get('content-range'), `bytes ${start}-${end}/${whole.length}`);
      parts.push(Buffer.from(await answer.arrayBuffer()));
    }
    return Buffer.concat(parts);
  };
  const read = await Promise.all([0, 1, 2, 3].map(reader));
  read.forEach((bytes, i) => assert.ok(bytes.equals(whole.subarray(i * 1000)), `client ${i} read the file's bytes`));

  const [found] = await orthanc.rest('POST', '/tools/lookup', path.basename(large.name, '.dcm'));
  assert.equal(found.Type, 'Instance');
  await orthanc.rest('DELETE', `/instances/${found.ID}`);
  const deadline = Date.now() + 10000;
  let status;
  do {
    const answer = await request('GET', large.href, { Range: 'bytes=0-1023' });
    await answer.arrayBuffer();
    status = answer.status;
    if (status !== 404) await new Promise((r) => setTimeout(r, 100));
  } while (status !== 404 && Date.now() < deadline);
  assert.equal(status, 404, 'the deleted file is gone from the listener too');
});

test('a large listing is sent from kept bytes that never go stale: studies added and deleted show at once, to parallel clients alike', async () => {
  // by-uids/ with 40 studies more: a listing the module keeps (views.ts CACHE_MIN_CHILDREN),
  // whose written responses the shim sends from its own copy (docs/listener.md "Speed")
  const added = [];
  for (let i = 0; i < 40; i += 1) {
    const study = newUid();
    await orthanc.upload(makeInstance({ StudyInstanceUID: study, PatientID: `KEPT${i}`, StudyDescription: `Kept ${i}` }));
    added.push(study);
  }
  const names = async () => {
    const answer = await request('PROPFIND', '/webdav/by-uids/', { Depth: '1' });
    assert.equal(answer.status, 207);
    const text = await answer.text();
    // the children, after the folder's own response (whose dates are the time of asking)
    return { text: text.slice(text.indexOf('</D:response>')), hrefs: xml.parse(text).multistatus.response.map((r) => r.href) };
  };
  const waitFor = async (what, predicate) => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const listing = await names();
      if (predicate(listing.hrefs)) return listing;
      if (Date.now() > deadline) assert.fail(`the listener's by-uids/ never ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const has = (hrefs, uid) => hrefs.includes(`/webdav/by-uids/${uid}/`);
  const first = await waitFor('listed the 40 studies', (hrefs) => added.every((uid) => has(hrefs, uid)));
  assert.ok(first.hrefs.length > 40);
  const parallel = await Promise.all(Array.from({ length: 8 }, names));
  for (const listing of parallel) assert.equal(listing.text, first.text, 'the same bytes to every client');

  const late = newUid();
  await orthanc.upload(makeInstance({ StudyInstanceUID: late, PatientID: 'KEPTLATE', StudyDescription: 'Late' }));
  const withLate = await waitFor('showed a study added after it was kept', (hrefs) => has(hrefs, late));
  assert.equal(withLate.hrefs.length, first.hrefs.length + 1);
  const [gone] = await orthanc.rest('POST', '/tools/lookup', added[0]);
  await orthanc.rest('DELETE', `/studies/${gone.ID}`);
  const without = await waitFor('dropped a deleted study', (hrefs) => !has(hrefs, added[0]));
  assert.equal(without.hrefs.length, first.hrefs.length);
  assert.ok(has(without.hrefs, late) && has(without.hrefs, added[1]));
});
