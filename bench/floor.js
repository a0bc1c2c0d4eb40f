// The floor plugin (floor-plugin/floor.c): built with plain CMake, loaded next to the plugin
// under test, and fed the listings of the plugin's own share so that both serve the same
// folders. See floor.c for why its time is a lower bound.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-plugin');
export const FLOOR_ROOT = '/floor';

/** Builds (incrementally) the floor plugin; returns the path of its .so. */
export function buildFloor(buildDir) {
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] };
  execFileSync('cmake', ['-S', SOURCE_DIR, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release'], quiet);
  execFileSync('cmake', ['--build', buildDir], quiet);
  return path.join(buildDir, 'libOrthancBenchFloor.so');
}

const CLEAN = /[\t\n\r]/;

/**
 * The table floor.c reads, from the listings `discover` returned. Files named
 * "<Orthanc instance id>.dcm" (every view but by-uids) carry their id so GET can be served.
 */
export function formatTable(listings) {
  const lines = [];
  for (const [key, { entries }] of listings) {
    lines.push(`D\t${key}`);
    for (const e of entries) {
      if (CLEAN.test(e.name) || CLEAN.test(e.mime)) throw new Error(`floor: name ${JSON.stringify(e.name)} cannot go into the table`);
      const id = !e.isFolder && /^[0-9a-f]{8}(-[0-9a-f]{8}){4}\.dcm$/.test(e.name) ? e.name.slice(0, -4) : '';
      lines.push(['E', e.isFolder ? 1 : 0, e.size, e.mime, e.date, e.name, id].join('\t'));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Sends the table to the floor plugin of the Orthanc at `baseUrl`; returns its counts. */
export async function loadFloor(baseUrl, listings) {
  const answer = await fetch(`${baseUrl}/floor-table`, { method: 'POST', body: formatTable(listings) });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`POST /floor-table: ${answer.status} ${text}`);
  return JSON.parse(text);
}
