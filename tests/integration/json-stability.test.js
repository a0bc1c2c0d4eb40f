// study.json and series.json keep the size a listing gave when their study or series becomes
// stable between the listing and the GET ("IsStable" flipped from false to true and
// rclone reported the file corrupted on transfer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'json-stability'), { plugin: PLUGIN, options: { StableAge: 2 } })).start();
  dav = new WebDav(orthanc.url);
});

after(async () => {
  await orthanc?.stop();
});

test('the size listed before the study becomes stable is the size served after it', async () => {
  const studyUid = newUid();
  const seriesUid = newUid();
  const answer = await orthanc.upload(makeInstance({ StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid, SOPInstanceUID: newUid() }));
  assert.equal((await orthanc.rest('GET', `/studies/${answer.ParentStudy}`)).IsStable, false);
  const studyListing = (await dav.propfind(['by-uids', studyUid])).entries.find((e) => e.name === 'study.json');
  const seriesListing = (await dav.propfind(['by-uids', studyUid, seriesUid])).entries.find((e) => e.name === 'series.json');
  assert.ok(studyListing && seriesListing);
  await until('the study to become stable', async () => (await orthanc.rest('GET', `/studies/${answer.ParentStudy}`)).IsStable, 20);
  await until('the series to become stable', async () => (await orthanc.rest('GET', `/series/${answer.ParentSeries}`)).IsStable, 20);
  const study = await dav.get(['by-uids', studyUid, 'study.json']);
  const series = await dav.get(['by-uids', studyUid, seriesUid, 'series.json']);
  assert.equal(study.body.length, studyListing.size, 'study.json');
  assert.equal(series.body.length, seriesListing.size, 'series.json');
  assert.equal(JSON.parse(study.body.toString()).ID, answer.ParentStudy, 'still the JSON of the study');
  const relisted = (await dav.propfind(['by-uids', studyUid])).entries.find((e) => e.name === 'study.json');
  assert.equal(relisted.size, study.body.length, 'a new listing gives the size served');
});
