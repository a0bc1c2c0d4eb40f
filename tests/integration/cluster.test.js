// Two Orthanc 1.10.1 servers on one PostgreSQL 15 index (Orthanc's own way to scale out) and one
// shared storage folder, each with the plugin. No channel of the plugin's own: server B learns of
// A's additions from the change log in the shared database, and of deletions made elsewhere by
// reconciling its counts every ReconcileIntervalSeconds (3 here; 10 by default).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { Postgres, POSTGRES_INDEX_PLUGIN, postgresUnavailable } from '../lib/postgres.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

const RECONCILE_SECONDS = 3;
const TIMER_SECONDS = 1; // the shim's timer, which runs the reconciliation when it is due

let pg;
let a;
let b;
const work = path.join(ROOT, '.test-work', 'cluster');

before(async () => {
  const why = postgresUnavailable();
  if (why) throw new Error(`the cluster test needs PostgreSQL: ${why}`);
  rmSync(work, { recursive: true, force: true });
  pg = await Postgres.start();
  const storage = path.join(work, 'storage');
  mkdirSync(storage, { recursive: true });
  const options = {
    Plugins: [POSTGRES_INDEX_PLUGIN, PLUGIN],
    StorageDirectory: storage,
    ...pg.orthancOptions(),
    WebDavShare: { ReconcileIntervalSeconds: RECONCILE_SECONDS, DeleteAllowed: true, ImportedLingerSeconds: 0 },
  };
  a = await (await Orthanc.create(path.join(work, 'a'), { options })).start(); // creates the schema
  b = await (await Orthanc.create(path.join(work, 'b'), { options })).start();
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await pg?.stop();
});

const studyUids = async (server) => (await new WebDav(server.url).propfind(['by-uids'], 1)).entries.map((e) => e.name);

/** Milliseconds from `since` until `check` holds, or a failure `limitMs` after `since`. */
async function within(what, since, limitMs, check) {
  await until(what, check, Math.max(0, limitMs - (performance.now() - since)) / 1000);
  return performance.now() - since;
}

test('each server stages in its own slot of the shared staging directory', () => {
  const slotOf = (server) => readFileSync(server.logFile, 'utf8').match(/staging in (\S+)\)/)?.[1];
  assert.match(slotOf(a), /webdav-staging\/slot-1$/);
  assert.match(slotOf(b), /webdav-staging\/slot-2$/);
});

test('a study uploaded through A\'s share appears in B\'s share within 2 s', async (t) => {
  const uid = newUid();
  await studyUids(b); // B's catalog is loaded before
  const put = await new WebDav(a.url).request('PUT', ['uploads', 'cluster.dcm'], { body: makeInstance({ PatientID: 'CLUSTER', StudyInstanceUID: uid }) });
  assert.equal(put.status, 201);
  const since = performance.now();
  const ms = await within('the study in B\'s by-uids', since, 2000, async () => (await studyUids(b)).includes(uid));
  t.diagnostic(`visible in B ${Math.round(ms)} ms after A answered the PUT`);
  assert.ok((await studyUids(a)).includes(uid), 'and in A\'s');
});

test('a study deleted through B\'s share leaves A\'s share within the reconciliation period', async (t) => {
  const uid = newUid();
  await a.upload(makeInstance({ PatientID: 'CLUSTER-DEL', StudyInstanceUID: uid }));
  await within('the study in both shares', performance.now(), 2000, async () => (await studyUids(a)).includes(uid) && (await studyUids(b)).includes(uid));
  const since = performance.now();
  assert.equal((await new WebDav(b.url).request('DELETE', ['by-uids', uid])).status, 204);
  assert.ok(!(await studyUids(b)).includes(uid), 'gone from B at once');
  const ms = await within('the study gone from A', since, (RECONCILE_SECONDS + TIMER_SECONDS) * 1000 + 1000, async () => !(await studyUids(a)).includes(uid));
  t.diagnostic(`gone from A ${Math.round(ms)} ms after B's DELETE (reconciliation every ${RECONCILE_SECONDS} s)`);
});

test('additions and deletions through either server\'s REST API reach both shares', async (t) => {
  for (const [writer, reader] of [[a, b], [b, a]]) {
    const uid = newUid();
    const added = await writer.upload(makeInstance({ PatientID: 'CLUSTER-REST', StudyInstanceUID: uid }));
    let since = performance.now();
    const seen = await within('the added study in the other share', since, 2000, async () => (await studyUids(reader)).includes(uid));
    since = performance.now();
    await writer.rest('DELETE', `/studies/${added.ParentStudy}`);
    const gone = await within('the deleted study gone from the other share', since, (RECONCILE_SECONDS + TIMER_SECONDS) * 1000 + 1000,
      async () => !(await studyUids(reader)).includes(uid));
    assert.ok(!(await studyUids(writer)).includes(uid), 'gone from the writer\'s share');
    t.diagnostic(`${writer === a ? 'A→B' : 'B→A'}: added seen after ${Math.round(seen)} ms, deletion after ${Math.round(gone)} ms`);
  }
});

test('after all of it, both servers list the same tree', async () => {
  const tree = async (server) => (await new WebDav(server.url).walk()).files.filter((f) => f.components[0] !== 'uploads')
    // study.json / series.json are Orthanc's REST answers, whose "IsStable" each server keeps
    // for itself: their sizes may differ by a byte. Every other size must be equal.
    .map((f) => `${f.components.join('/')}${f.name.endsWith('.json') ? '' : ` ${f.size}`}`).sort();
  for (let i = 0; i < 3; i += 1) await (i % 2 ? a : b).upload(makeInstance({ PatientID: `CLUSTER-TREE-${i}` }));
  const [fromA, fromB] = [await tree(a), await tree(b)];
  assert.ok(fromA.length >= 3 * 4, 'each study appears in the four views');
  assert.deepEqual(fromA, fromB);
});
