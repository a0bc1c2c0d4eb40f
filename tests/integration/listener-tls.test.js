// HTTPS on the share's own listener: with Orthanc's SslEnabled, the listener serves TLS with
// SslCertificate resolved as Orthanc resolves it (relative to the configuration's folder), one
// PEM holding key and certificate. Orthanc's own TLS is broken on Debian 12 (https.test.js);
// this one must work there, with curl and rclone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { makeInstance } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const directory = path.join(ROOT, '.test-work', 'listener-tls');
let orthanc;
let port;
let uploaded; // a multi-frame instance of about 1 MB, imported before TLS is on (Orthanc's own HTTPS does not work here)

function curl(args) {
  return spawnSync('curl', ['-s', '-k', '--max-time', '10', ...args], { encoding: 'utf8' });
}

before(async () => {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const key = path.join(directory, 'key.pem');
  const certificate = path.join(directory, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const plain = await (await Orthanc.create(path.join(directory, 'data'), { plugin: PLUGIN })).start();
  uploaded = makeInstance({ PatientName: 'TLS^Test' }, { frames: 16, rows: 256, columns: 256 });
  await plain.upload(uploaded);
  await plain.stop();
  // certificate first, then the key: Orthanc's PEM may hold them in either order
  mkdirSync(path.join(directory, 'data'), { recursive: true });
  writeFileSync(path.join(directory, 'data', 'tls.pem'), readFileSync(certificate, 'utf8') + readFileSync(key, 'utf8'));
  port = await freePort();
  orthanc = await Orthanc.create(path.join(directory, 'data'), {
    plugin: PLUGIN,
    keepData: true,
    options: { SslEnabled: true, SslCertificate: 'tls.pem', WebDavShare: { Listener: { Port: port } } },
  });
  await orthanc.start({ ready: async () => curl(['-o', '/dev/null', '-w', '%{http_code}', '-X', 'OPTIONS', `https://127.0.0.1:${port}/webdav/`]).stdout === '200' });
});

after(async () => {
  await orthanc?.stop();
});

test('the listener answers over HTTPS, and plain HTTP gets no share', async () => {
  const answer = curl(['-X', 'PROPFIND', '-H', 'Depth: 1', '-w', '\n%{http_code}', `https://127.0.0.1:${port}/webdav/`]);
  assert.equal(answer.status, 0, answer.stderr);
  assert.match(answer.stdout, /\n207$/);
  assert.match(answer.stdout, /<D:href>\/webdav\/by-uids\/<\/D:href>/);
  const plain = curl(['-o', '/dev/null', '-w', '%{http_code}', '-X', 'PROPFIND', `http://127.0.0.1:${port}/webdav/`]);
  assert.notEqual(plain.stdout, '207');
});

test('the certificate served is the configured one', async () => {
  const shown = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], { input: '', encoding: 'utf8', timeout: 10000 });
  assert.match(shown.stdout, /subject=CN = 127\.0\.0\.1/);
});

test('rclone lists the share over HTTPS with no ERROR line', async () => {
  const listed = spawnSync('rclone', ['lsf', '--no-check-certificate', '--webdav-url', `https://127.0.0.1:${port}/webdav`, ':webdav:'],
    { encoding: 'utf8', timeout: 30000 });
  assert.equal(listed.status, 0, listed.stderr);
  assert.doesNotMatch(listed.stderr, /ERROR/);
  assert.deepEqual(listed.stdout.trim().split('\n').sort(), ['by-dates/', 'by-patients/', 'by-studies/', 'by-uids/', 'uploads/']);
});

test('a DICOM file comes whole over HTTPS, and in a range', async () => {
  const walk = curl(['-X', 'PROPFIND', '-H', 'Depth: infinity', `https://127.0.0.1:${port}/webdav/by-uids/`]);
  const href = walk.stdout.match(/<D:href>([^<]+\.dcm)<\/D:href>/)?.[1];
  assert.ok(href, 'the instance imported before TLS was turned on is listed');
  const file = path.join(directory, 'got.dcm');
  const got = curl(['-o', file, '-w', '%{http_code}', `https://127.0.0.1:${port}${href}`]);
  assert.equal(got.stdout, '200');
  assert.deepEqual(readFileSync(file), uploaded);
  const part = curl(['-r', '1000-1999', '-o', file, '-w', '%{http_code}', `https://127.0.0.1:${port}${href}`]);
  assert.equal(part.stdout, '206');
  assert.deepEqual(readFileSync(file), uploaded.subarray(1000, 2000));
});
