// The configuration section: conflicts with the core's share, bad values, options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

async function withOrthanc(name, options, body) {
  const orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', `config-${name}`), { plugin: PLUGIN, options })).start();
  try {
    await body(orthanc, () => readFileSync(orthanc.logFile, 'utf8'));
  } finally {
    await orthanc.stop();
  }
}

test('the core share on at the same root (its default): not registered, one clear error, no crash', async () => {
  await withOrthanc('conflict', { WebDavEnabled: true }, async (orthanc, log) => {
    assert.match(log(), /built-in WebDAV share is enabled at \/webdav.*NOT served.*"WebDavEnabled": false/);
    assert.equal((await fetch(`${orthanc.url}/webdav-share/status`)).status, 404);
    // the core's own share still answers, and Orthanc keeps running
    const root = await new WebDav(orthanc.url).propfind([]);
    assert.equal(root.status, 207);
    assert.ok(orthanc.alive);
  });
});

test('WebDavEnabled left out means the core share is on: refused the same way', async () => {
  await withOrthanc('default', { WebDavEnabled: undefined }, async (orthanc, log) => {
    assert.match(log(), /NOT served/);
    assert.ok(orthanc.alive);
  });
});

test('unknown keys and wrong types are logged; wrong types keep the safe default', async () => {
  await withOrthanc('types', { WebDavShare: { Colour: 'blue', DeleteAllowed: 'yes', UploadAllowed: 0 } }, async (orthanc, log) => {
    assert.match(log(), /unknown option WebDavShare\.Colour/);
    assert.match(log(), /WebDavShare\.DeleteAllowed must be true or false; using false/);
    assert.match(log(), /WebDavShare\.UploadAllowed must be true or false; using true/);
    const status = await orthanc.rest('GET', '/webdav-share/status');
    assert.equal(status.DeleteAllowed, false);
  });
});

test('a root that is not a plain path is refused with a log line', async () => {
  await withOrthanc('root', { WebDavShare: { Root: '/a b' } }, async (orthanc, log) => {
    assert.match(log(), /WebDavShare\.Root must be a URI path/);
    assert.equal((await fetch(`${orthanc.url}/webdav-share/status`)).status, 404);
  });
});

test('Enable false serves nothing; Root moves the share', async () => {
  await withOrthanc('disabled', { WebDavShare: { Enable: false } }, async (orthanc) => {
    assert.equal((await fetch(`${orthanc.url}/webdav-share/status`)).status, 404);
    assert.equal((await new WebDav(orthanc.url, '/webdav').propfind([])).status, 404);
  });
  await withOrthanc('moved', { WebDavShare: { Root: '/dicom-share/' } }, async (orthanc) => {
    assert.equal((await new WebDav(orthanc.url, '/dicom-share').propfind([])).status, 207);
  });
});

test('AsciiNames gives the built-in\'s ASCII-only names; UploadAllowed false hides uploads', async () => {
  await withOrthanc('ascii', { WebDavShare: { AsciiNames: true, UploadAllowed: false } }, async (orthanc) => {
    await orthanc.upload(makeInstance({ PatientID: 'P9', PatientName: 'Müller^Jörg' }));
    const dav = new WebDav(orthanc.url);
    const patients = await dav.propfind(['by-patients']);
    assert.deepEqual(patients.entries.map((e) => e.name), ['P9 - Mller^Jrg']);
    const root = await dav.propfind([]);
    assert.deepEqual(root.entries.map((e) => e.name).sort(), ['by-dates', 'by-patients', 'by-studies', 'by-uids']);
    assert.equal((await dav.request('PUT', ['uploads', 'a.dcm'], { body: 'x' })).status, 403);
    assert.equal((await dav.request('MKCOL', ['uploads', 'folder'])).status, 403);
  });
});
