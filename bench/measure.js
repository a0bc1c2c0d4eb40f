// Timing: single requests alternated between the targets, and parallel walks over a list of
// folders. Every answer body is read to its end (the client only has the listing then), but
// chunk by chunk and thrown away: collecting a 5 MB listing into one buffer made V8's major
// GC run during later requests, adding up to 100 ms to some of them (seen with curl as the
// reference: the server's time was steady, the client's was not).
import { readFileSync, writeFileSync } from 'node:fs';
import { davUrl, pool } from './dav.js';

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Resident memory of a process in bytes (VmRSS of /proc/PID/status); null once it has exited:
 * a share whose Orthanc died under the load is a result the bench reports, not a reason to stop.
 */
export function rssBytes(pid, field = 'VmRSS') {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return null;
    throw error;
  }
  const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * The peak of a process's resident memory since the last resetPeakRss (VmHWM), so that the
 * peak of one request can be read apart from the catalog load's.
 */
export function peakRssBytes(pid) {
  return rssBytes(pid, 'VmHWM');
}

/** Resets VmHWM to the current RSS (Linux: "5" into /proc/PID/clear_refs). */
export function resetPeakRss(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Every ordering of `items`. */
export function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Reads an answer's body to its end without keeping it; returns its length. */
export async function drain(answer) {
  let bytes = 0;
  if (answer.body) for await (const chunk of answer.body) bytes += chunk.byteLength;
  return bytes;
}

/** One request; returns its time in ms. Throws unless the status is `expect`. */
export async function timed(url, method, expect) {
  const started = performance.now();
  const answer = await fetch(url, { method, headers: method === 'PROPFIND' ? { Depth: '1' } : {} });
  const bytes = await drain(answer);
  const ms = performance.now() - started;
  if (answer.status !== expect) throw new Error(`${method} ${url}: ${answer.status}, expected ${expect}`);
  return { ms, bytes };
}

/**
 * Runs every case `reps` times on every target, alternating targets within a repetition.
 * The order goes through every permutation of the targets, so that each follows each other
 * equally often: whatever a slow answer leaves behind (client GC, server clean-up) does not
 * always fall on the same target, as it would with a rotation.
 * A case is { name, method, path(rep) -> components }; a target { name, root }.
 * One untimed warm-up per case and target first: both shares keep caches, and the medians
 * should describe a share in use, not its first request.
 */
export async function alternate(cases, allTargets, reps, log) {
  const results = [];
  for (const c of cases) {
    // a target marked propfindOnly (the static reference) takes the PROPFIND cases only
    const targets = allTargets.filter((t) => !t.propfindOnly || c.method === 'PROPFIND');
    const expect = c.method === 'PROPFIND' ? 207 : 200;
    const url = (target, rep) => davUrl(target.root, c.path(rep), c.method === 'PROPFIND');
    for (const t of targets) await timed(url(t, 0), c.method, expect);
    const times = Object.fromEntries(targets.map((t) => [t.name, []]));
    const bytes = {};
    const orders = permutations(targets);
    for (let rep = 0; rep < reps; rep += 1) {
      for (const t of orders[rep % orders.length]) {
        const r = await timed(url(t, rep), c.method, expect);
        times[t.name].push(r.ms);
        bytes[t.name] = r.bytes;
      }
    }
    const medians = Object.fromEntries(targets.map((t) => [t.name, median(times[t.name])]));
    results.push({ name: c.name, medians, times, bytes });
    log(`  ${c.name}: ${targets.map((t) => `${t.name} ${medians[t.name].toFixed(2)} ms`).join(', ')}`);
  }
  return results;
}

/**
 * Depth 1 PROPFIND on every folder of `folders` (component arrays), `concurrency` at a
 * time. Returns the wall time in ms and the number of answers that were not 207.
 */
export async function timedWalk(root, folders, concurrency) {
  let failures = 0;
  const started = performance.now();
  await pool(folders, concurrency, async (components) => {
    const answer = await fetch(davUrl(root, components), { method: 'PROPFIND', headers: { Depth: '1' } });
    await drain(answer);
    if (answer.status !== 207) failures += 1;
  });
  return { ms: performance.now() - started, failures };
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));

/**
 * Starts the plugin's Orthanc and waits until its catalog is loaded and agrees with Orthanc's
 * counts. The load starts by itself right after start-up (the plugin's timer) and holds the
 * module lock, so the status route cannot answer during it: RSS is sampled every few ms from
 * the spawn on, the status polled as often, and the load's end is when the status first says
 * CatalogReady; its start is CatalogLoadMs earlier. Returns the status and RSS before, at the
 * peak of, and after the load.
 */
export async function startPluginOrthanc(orthanc) {
  const samples = []; // [time, rss]
  const starting = orthanc.start();
  const pid = orthanc.process.pid;
  const sampler = setInterval(() => {
    try { samples.push([performance.now(), rssBytes(pid)]); } catch { /* exited: start() reports it */ }
  }, 2);
  let loadEnd = null;
  try {
    await starting;
    const deadline = Date.now() + 30 * 60 * 1000;
    for (;;) {
      const status = await orthanc.rest('GET', '/webdav-share/status');
      if (status.CatalogReady && loadEnd === null) loadEnd = performance.now();
      const statistics = await orthanc.rest('GET', '/statistics');
      if (status.CatalogReady && status.Patients === statistics.CountPatients &&
          status.Studies === statistics.CountStudies && status.Series === statistics.CountSeries) {
        const loadStart = loadEnd - status.CatalogLoadMs;
        const before = samples.filter(([t]) => t < loadStart).pop();
        const during = samples.filter(([t]) => t >= loadStart && t <= loadEnd).map(([, rss]) => rss);
        return {
          status,
          rssBefore: before ? before[1] : null,
          rssPeak: Math.max(...during, rssBytes(pid)),
          rssAfter: rssBytes(pid),
        };
      }
      if (Date.now() > deadline) throw new Error(`the catalog did not load: ${JSON.stringify(status)}`);
      await sleep(status.CatalogReady ? 100 : 2);
    }
  } finally {
    clearInterval(sampler);
  }
}
