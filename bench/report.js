// The printed results and the machine-readable summary.
import { median } from './measure.js';

const ms = (v) => (v === null || v === undefined ? '-' : v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b);
const x = (v) => (v === null ? '-' : `${v.toFixed(v < 10 ? 2 : 1)}x`);
const mb = (bytes) => (bytes === null || bytes === undefined ? '-' : `${(bytes / 1048576).toFixed(1)} MB`);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** The table's rows ({ name, builtin, plugin, floor } in ms) from the measurements. */
export function resultRows(m) {
  const medians = (walks) => Object.fromEntries(Object.entries(walks).map(([k, v]) => [k, median(v)]));
  const sample = medians(m.walks.sample);
  const full = medians(m.walks.full);
  const perFolder = (total, count) => (total === null ? null : total / count);
  const builtinPerFolder = perFolder(sample.builtin, m.sampleSize);
  return [
    ...m.requests.map((r) => ({
      name: r.method === 'GET' ? `${r.name} [${kb(r.bytes.plugin)}]` : r.name,
      builtin: r.medians.builtin,
      plugin: r.medians.plugin,
      floor: r.medians.floor,
      listener: r.medians.listener ?? null,
      static: r.medians.static ?? null,
    })),
    { name: `walk of ${m.sampleSize} sampled folders (${m.concurrency} parallel)`, ...sample },
    { name: 'walk, time per folder (sample)', builtin: builtinPerFolder, plugin: perFolder(sample.plugin, m.sampleSize), floor: perFolder(sample.floor, m.sampleSize), listener: perFolder(sample.listener ?? null, m.sampleSize) },
    { name: 'walk, time per folder (full walk)', builtin: builtinPerFolder, builtinExtrapolated: true, plugin: perFolder(full.plugin, m.folderCount), floor: perFolder(full.floor, m.folderCount), listener: perFolder(full.listener ?? null, m.folderCount) },
    { name: `full walk, ${m.folderCount} folders (${m.concurrency} parallel)`, builtin: builtinPerFolder * m.folderCount, builtinExtrapolated: true, plugin: full.plugin, floor: full.floor, listener: full.listener ?? null },
  ];
}

export function formatTable(rows) {
  const header = ['case', 'built-in', 'plugin', 'floor', 'listener', 'plugin/built-in', 'plugin/floor', 'listener/floor'];
  const lines = rows.map((r) => [
    r.name,
    `${r.builtinExtrapolated ? '~' : ''}${ms(r.builtin)}${r.builtinExtrapolated ? ' (extrapolated)' : ''}`,
    ms(r.plugin),
    ms(r.floor),
    ms(r.listener ?? null),
    x(ratio(r.plugin, r.builtin)),
    x(ratio(r.plugin, r.floor)),
    x(ratio(r.listener ?? null, r.floor)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

/** Prints the results; returns the summary (the JSON printed last and saved). */
export function report(m, log) {
  const rows = resultRows(m);
  const { archive, load, memory } = m;
  log('');
  log(`Results: ${archive.patients} patients, ${archive.studies} studies, ${archive.series} series, ${archive.instances} instances; ` +
    `${m.folderCount} folders in the share; plugin at ${m.revision}. Medians of ${m.reps} requests per case and target, of ${m.walkCount} walks.`);
  log(formatTable(rows));
  log(`The built-in's full walk is EXTRAPOLATED (not measured): its time per folder on a fixed random sample of ${m.sampleSize} ` +
    `folders, times ${m.folderCount} folders. Plugin and floor full walks are measured.`);
  log(`First PROPFIND by-studies/ after start (cold caches): built-in ${ms(m.firstListing.builtin)}, plugin ${ms(m.firstListing.plugin)}. ` +
    `Plugin's first walk (cold caches; the client also parsed every listing): ${ms(m.coldWalkMs)}.`);
  log(`Plugin: catalog load ${load.status.CatalogLoadMs} ms; module memory ${mb(load.status.ModuleMemoryBytes)} after the load, ` +
    `${mb(memory.statusAfterWalks.ModuleMemoryBytes)} after the walks (${memory.statusAfterWalks.CachedInstances} cached instances in ${memory.statusAfterWalks.CachedSeries} series), ` +
    `${mb(memory.finalStatus.ModuleMemoryBytes)} after the load and its uploads (${memory.finalStatus.CachedInstances} cached instances).`);
  log(`RSS of (B) (Orthanc + plugin + floor): ${mb(load.rssBefore)} before the catalog load, ${mb(load.rssPeak)} at its peak, ` +
    `${mb(load.rssAfter)} after it, ${mb(memory.afterColdWalk)} after the plugin's first full walk, ${mb(memory.afterFloorTable)} with the floor's table, ` +
    `${mb(memory.pluginRss)} after all walks. RSS of (A) (built-in) after its sample walks: ${mb(memory.builtinRss)}.`);
  log(`Checks: the built-in lists different names than the plugin in ${m.checks.builtinDifferingFolders} of ${m.sampleSize} sampled folders, ` +
    `the floor differs from the plugin in ${m.checks.floorDifferingFolders}; ${m.checks.walkFailures} walk requests failed.`);
  if (m.peer) {
    log(`Peer: rclone serve webdav over a tree of the same ${m.peer.entries} names (differs by name in ${m.peer.differingFolders} folders): ` +
      m.peer.requests.map((r) => `${r.name} rclone ${ms(r.medians.rclone)} / listener ${ms(r.medians.listener)} = ${x(r.ratio)}`).join('; ') + '.');
    log('Static reference (a plain Node server sending the listener\'s own answers, same run, alternating): ' +
      m.peer.requests.map((r) => `${r.name} listener ${ms(r.medians.listener)} / static ${ms(r.medians.static)} = ${r.overStatic.toFixed(2)}`).join('; ') + '.');
  }
  if (m.ranges) {
    log('Ranges (only the listener honours them; the whole file elsewhere): ' + m.ranges.cases.map((c) =>
      `${c.name}: listener Range ${ms(c.medians.listenerRange)}; whole file listener ${ms(c.medians.listener)}, plugin ${ms(c.medians.plugin)}, built-in ${ms(c.medians.builtin)}`).join('; ') +
      `; the multi-frame instance read whole in 1 MiB ranges in order ${ms(m.ranges.sequentialRangesMs)}.`);
  }
  if (m.uploads) {
    const u = m.uploads;
    log(`Uploads of ${u.files} files (${u.client}; medians of ${u.rounds}): (a) plugin ${ms(u.pluginMs)}, (b) built-in ${ms(u.builtinMs)}, ` +
      `(c) direct POST /instances (${u.directParallelism} in parallel) ${ms(u.directMs)}; (a)/(c) ${u.pluginOverDirect.toFixed(2)}, (a)/(b) ${u.pluginOverBuiltin.toFixed(2)}.`);
  }
  if (m.bigPut) {
    log(`A ${m.bigPut.megabytes} MB PUT through the listener: ${m.bigPut.status} in ${ms(m.bigPut.ms)}; Orthanc's RSS grew ${mb(m.bigPut.growthBytes)} ` +
      `(from ${mb(m.bigPut.rssBeforeBytes)} to ${mb(m.bigPut.rssPeakBytes)}).`);
  }
  if (m.uploads && m.uploads.listenerMs) {
    log(`Uploads through the listener, PUT 8 at a time: ${ms(m.uploads.listenerMs)} against 8 parallel POST /instances ${ms(m.uploads.direct8Ms)}: ` +
      `${m.uploads.listenerOverDirect8.toFixed(2)}x (issue 12: at most 1.25).`);
    log(`davfs2 cp -r: listener ${ms(m.uploads.listenerDavfsMs)}, Orthanc's port ${ms(m.uploads.pluginMs)}, built-in ${ms(m.uploads.builtinMs)}.`);
  }
  if (m.uploads?.rclone) {
    const r = m.uploads.rclone;
    const one = (name, x) => `${name} ${x.ms === null ? `not all imported (${x.imported})` : ms(x.ms)}, ${x.errors} ERROR lines`;
    log(`rclone copy: ${one('listener', r.listener)}; ${one('Orthanc\'s port', r.plugin)}; ${one('built-in', r.builtin)}.`);
  }
  log(`Total benchmark time ${m.totalSeconds.toFixed(0)} s (archive ${archive.reused ? 'reused from the cache' : `generated in ${archive.generationSeconds} s`}).`);

  return {
    date: new Date().toISOString(),
    pluginRevision: m.revision,
    archive: { patients: archive.patients, studies: archive.studies, series: archive.series, instances: archive.instances, folders: m.folderCount, entries: m.entryCount },
    settings: { reps: m.reps, walks: m.walkCount, sample: m.sampleSize, concurrency: m.concurrency },
    results: rows.map((r) => ({
      case: r.name,
      builtinMs: r.builtin,
      builtinExtrapolated: Boolean(r.builtinExtrapolated),
      pluginMs: r.plugin,
      floorMs: r.floor,
      listenerMs: r.listener ?? null,
      pluginOverBuiltin: ratio(r.plugin, r.builtin),
      pluginOverFloor: ratio(r.plugin, r.floor),
      listenerOverFloor: ratio(r.listener ?? null, r.floor),
      staticMs: r.static ?? null,
      staticOverFloor: ratio(r.static ?? null, r.floor),
    })),
    peer: m.peer ?? null,
    ranges: m.ranges ?? null,
    load: m.underLoad ? Object.fromEntries(Object.entries(m.underLoad).map(([k, v]) => [k, typeof v === 'object' && v !== null
      ? { requestsPerSecond: v.requestsPerSecond, propfindsPerSecond: v.propfindsPerSecond, failures: v.failures, uploaded: v.uploaded, imported: v.imported, died: v.died }
      : v])) : null,
    plugin: {
      catalogLoadMs: load.status.CatalogLoadMs,
      moduleMemoryBytesAfterLoad: load.status.ModuleMemoryBytes,
      moduleMemoryBytesAfterWalks: memory.statusAfterWalks.ModuleMemoryBytes,
      cachedInstancesAfterWalks: memory.statusAfterWalks.CachedInstances,
      moduleMemoryBytesAfterLoadCase: memory.finalStatus.ModuleMemoryBytes,
      cachedInstances: memory.finalStatus.CachedInstances,
      coldWalkMs: m.coldWalkMs,
      firstByStudiesListingMs: m.firstListing.plugin,
      rssBytes: { beforeLoad: load.rssBefore, peakDuringLoad: load.rssPeak, afterLoad: load.rssAfter, afterFirstWalk: memory.afterColdWalk, withFloorTable: memory.afterFloorTable, afterAllWalks: memory.pluginRss },
    },
    builtin: { rssBytesAfterWalks: memory.builtinRss, firstByStudiesListingMs: m.firstListing.builtin },
    checks: m.checks,
    uploads: m.uploads ? {
      files: m.uploads.files,
      client: m.uploads.client,
      rounds: m.uploads.rounds,
      directParallelism: m.uploads.directParallelism,
      pluginMs: m.uploads.pluginMs,
      builtinMs: m.uploads.builtinMs,
      directMs: m.uploads.directMs,
      pluginOverDirect: m.uploads.pluginOverDirect,
      pluginOverBuiltin: m.uploads.pluginOverBuiltin,
      listenerMs: m.uploads.listenerMs,
      direct8Ms: m.uploads.direct8Ms,
      listenerOverDirect8: m.uploads.listenerOverDirect8,
      targetMet: m.uploads.targetMet,
      pluginStagingOnlyMs: m.uploads.pluginStagingOnly.ms,
      pluginIngestionOnlyMs: m.uploads.pluginIngestionOnly.ms,
    } : null,
    bigPut: m.bigPut ?? null,
    totalSeconds: m.totalSeconds,
  };
}

export { ms, mb };
