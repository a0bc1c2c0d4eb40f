// A large PUT through the share's own listener (issue 12): Orthanc's resident memory while
// `BENCH_BIGPUT_MB` (1024) of body stream into the staging log, sampled every 20 ms, against
// its RSS before. IngestWorkers 0, so that only the upload is measured (importing a 1 GB file
// is Orthanc's own work); the body is generated as it is sent, so the client holds none of it.
// `node bench/bigput.js` runs it alone (the plugin built by `npm run build`).
import http from 'node:http';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Orthanc, freePort } from '../tests/lib/orthanc.js';
import { PLUGIN, ROOT } from '../scripts/build.js';
import { rssBytes } from './measure.js';

const MB = 1048576;

export async function benchBigPut({ megabytes = Number(process.env.BENCH_BIGPUT_MB ?? 1024), log = console.log } = {}) {
  const port = await freePort();
  const directory = path.join(ROOT, '.bench', 'bigput-run');
  const orthanc = await (await Orthanc.create(directory, {
    options: { WebDavEnabled: false, Plugins: [PLUGIN], WebDavShare: { IngestWorkers: 0, Listener: { Port: port } } },
  })).start();
  try {
    const before = rssBytes(orthanc.process.pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(orthanc.process.pid) ?? 0); }, 20);
    const started = performance.now();
    const status = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/webdav/uploads/big.bin',
        headers: { 'Content-Length': String(megabytes * MB) } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      const piece = Buffer.alloc(MB, 0x5a);
      let sent = 0;
      const more = () => {
        while (sent < megabytes) {
          sent += 1;
          if (!req.write(piece)) return req.once('drain', more);
        }
        req.end();
      };
      more();
    });
    const ms = performance.now() - started;
    clearInterval(sampler);
    const result = { megabytes, status, ms, rssBeforeBytes: before, rssPeakBytes: peak, growthBytes: peak - before };
    log(`big PUT through the listener: ${megabytes} MB answered ${status} in ${(ms / 1000).toFixed(1)} s (${(megabytes / (ms / 1000)).toFixed(0)} MB/s); ` +
      `Orthanc RSS ${(before / MB).toFixed(1)} MB before, ${(peak / MB).toFixed(1)} MB at its peak (+${((peak - before) / MB).toFixed(1)} MB)`);
    return result;
  } finally {
    await orthanc.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchBigPut().then((r) => console.log(JSON.stringify(r)), (error) => { console.error(error); process.exitCode = 1; });
}
