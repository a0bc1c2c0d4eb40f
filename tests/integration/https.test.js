// HTTPS: Orthanc 1.10.1's own SslEnabled completes the TLS handshake and then resets
// every connection on Debian 12 (civetweb 1.15 built for OpenSSL 1.1 against OpenSSL 3); what
// works today is a TLS reverse proxy in front of Orthanc's port. The proxy is nginx with the
// server block of docs/nginx-webdav-tls.conf, the README's example, run as it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

const directory = path.join(ROOT, '.test-work', 'https');
const certificate = path.join(directory, 'cert.pem');
const key = path.join(directory, 'key.pem');
let orthanc;
let nginx;
let port;

before(async () => {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(path.join(directory, 'nginx'), { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  orthanc = await (await Orthanc.create(path.join(directory, 'orthanc'), { plugin: PLUGIN })).start();
  port = await freePort();
  const server = readFileSync(path.join(ROOT, 'docs', 'nginx-webdav-tls.conf'), 'utf8')
    .replaceAll('LISTEN_ADDRESS:8443', `127.0.0.1:${port}`)
    .replaceAll('CERTIFICATE_FILE', certificate).replaceAll('KEY_FILE', key)
    .replaceAll('ORTHANC_PORT', String(orthanc.httpPort));
  writeFileSync(path.join(directory, 'nginx', 'server.conf'), server);
  // The frame a system nginx gives the server block (Debian's /etc/nginx/nginx.conf), here in
  // the test's own folder.
  const temp = (name) => `${name} ${path.join(directory, 'nginx', name)};`;
  writeFileSync(path.join(directory, 'nginx', 'nginx.conf'), [
    'daemon off; worker_processes 1; user root;',
    `pid ${path.join(directory, 'nginx', 'nginx.pid')}; error_log ${path.join(directory, 'nginx', 'error.log')};`,
    'events {}',
    `http { access_log off; ${temp('client_body_temp_path')} ${temp('proxy_temp_path')} ${temp('fastcgi_temp_path')} ${temp('uwsgi_temp_path')} ${temp('scgi_temp_path')}`,
    `  include ${path.join(directory, 'nginx', 'server.conf')}; }`,
  ].join('\n'));
  nginx = spawn('nginx', ['-c', path.join(directory, 'nginx', 'nginx.conf')], { stdio: 'ignore' });
  await until('nginx to listen', async () => curl(['-o', '/dev/null', `https://127.0.0.1:${port}/system`]).status === 0, 10);
});

after(async () => {
  nginx?.kill('SIGTERM');
  await orthanc?.stop();
});

/** curl with the test's certificate as the only authority. */
function curl(args, input) {
  return spawnSync('curl', ['-sS', '--cacert', certificate, '--max-time', '10', ...args], { input, maxBuffer: 64 << 20 });
}

test('the share over HTTPS through the proxy: PROPFIND, GET of a .dcm, and an upload', async () => {
  const listing = curl(['-X', 'PROPFIND', '-H', 'Depth: 1', `https://127.0.0.1:${port}/webdav/`]);
  assert.equal(listing.status, 0, listing.stderr.toString());
  assert.match(listing.stdout.toString(), /by-patients/);
  const sop = newUid();
  const file = makeInstance({ SOPInstanceUID: sop });
  const put = curl(['-X', 'PUT', '--data-binary', '@-', '-w', '%{http_code}', '-o', '/dev/null', `https://127.0.0.1:${port}/webdav/uploads/tls.dcm`], file);
  assert.equal(put.stdout.toString(), '201');
  await until('the import', async () => (await orthanc.sopInstanceUids()).has(sop));
  const [instance] = await orthanc.rest('GET', '/instances');
  const study = await orthanc.rest('GET', `/instances/${instance}/study`);
  const tags = (await orthanc.rest('GET', `/instances/${instance}`)).MainDicomTags;
  const series = await orthanc.rest('GET', `/instances/${instance}/series`);
  const got = curl([`https://127.0.0.1:${port}/webdav/by-uids/${study.MainDicomTags.StudyInstanceUID}/${series.MainDicomTags.SeriesInstanceUID}/${tags.SOPInstanceUID}.dcm`]);
  assert.equal(got.status, 0);
  assert.ok(Buffer.compare(got.stdout, Buffer.from(await (await fetch(`${orthanc.url}/instances/${instance}/file`)).arrayBuffer())) === 0, 'the same bytes');
});

test('Orthanc 1.10.1\'s own SslEnabled fails on Debian 12 (the reason for the proxy)', async () => {
  const pem = path.join(directory, 'orthanc.pem');
  writeFileSync(pem, Buffer.concat([readFileSync(key), readFileSync(certificate)]));
  const tls = await Orthanc.create(path.join(directory, 'orthanc-tls'), { plugin: PLUGIN, options: { SslEnabled: true, SslCertificate: pem } });
  const log = () => { try { return readFileSync(tls.logFile, 'utf8'); } catch { return ''; } };
  try {
    await tls.start({ ready: async () => /HTTPS encryption is enabled/.test(log()) && /HTTP server listening/.test(log()) });
    // The handshake completes, then the connection is reset: curl fails, whatever it asks.
    const answer = curl(['-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${tls.httpPort}/system`]);
    assert.notEqual(answer.status, 0, `curl should fail, got HTTP ${answer.stdout}`);
    assert.equal(answer.stdout.toString(), '000', 'no HTTP answer at all');
  } finally {
    await tls.kill();
  }
});
