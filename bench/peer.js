// The peer of the benchmark: `rclone serve webdav` (golang.org/x/net/webdav, a WebDAV server
// that answers from a file system), serving a directory tree that holds the same names as the
// listed folders of the share (empty files), at the same root. It is what a WebDAV server of
// the usual kind does with listings of this size; the listener is measured against it in the
// same run, on the same folders, PROPFIND Depth 1 only (its files are empty).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/lib/orthanc.js';
import { parseListing, propfind } from './dav.js';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

/**
 * Writes, under `directory`, every folder of `folders` (component arrays) with the entries
 * the share lists in it (read from `shareRoot`): sub-folders as directories, files empty.
 */
export async function buildPeerTree(directory, shareRoot, rootPath, folders) {
  rmSync(directory, { recursive: true, force: true });
  let entries = 0;
  for (const components of folders) {
    const { status, text } = await propfind(shareRoot, components);
    if (status !== 207) throw new Error(`peer tree: PROPFIND ${components.join('/')} gave ${status}`);
    const folder = path.join(directory, ...components);
    mkdirSync(folder, { recursive: true });
    for (const entry of parseListing(text, rootPath, components)) {
      if (entry.isFolder) mkdirSync(path.join(folder, entry.name), { recursive: true });
      else writeFileSync(path.join(folder, entry.name), '');
      entries += 1;
    }
  }
  return entries;
}

/** Starts `rclone serve webdav` on `directory` at `rootPath`; returns { root, stop }. */
export async function startRclonePeer(directory, rootPath) {
  const port = await freePort();
  return startServer('rclone serve webdav', 'rclone', ['serve', 'webdav', directory, '--addr', `127.0.0.1:${port}`,
    '--baseurl', rootPath, '--config', '/dev/null', '--read-only'], `http://127.0.0.1:${port}${rootPath}`);
}

/**
 * The static reference (bench/static-server.js): the listener's own answers to `urls`, read
 * from it now and served back as they are. Each case's URL must be asked exactly as captured.
 */
export async function startStaticPeer(directory, urls, rootPath) {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const manifest = {};
  for (const [i, url] of urls.entries()) {
    const answer = await fetch(url, { method: 'PROPFIND', headers: { Depth: '1' } });
    if (answer.status !== 207) throw new Error(`static peer: PROPFIND ${url} gave ${answer.status}`);
    const file = path.join(directory, `answer-${i}.xml`);
    writeFileSync(file, Buffer.from(await answer.arrayBuffer()));
    manifest[new URL(url).pathname] = file;
  }
  writeFileSync(path.join(directory, 'answers.json'), JSON.stringify(manifest));
  const port = await freePort();
  const server = fileURLToPath(new URL('./static-server.js', import.meta.url));
  return startServer('the static server', process.execPath, [server, String(port), path.join(directory, 'answers.json')],
    `http://127.0.0.1:${port}${rootPath}`);
}

/** Spawns a server and waits until a PROPFIND Depth 0 of `root`/ answers 207. */
async function startServer(name, command, args, root) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    try {
      const answer = await fetch(`${root}/`, { method: 'PROPFIND', headers: { Depth: '0' } });
      await answer.arrayBuffer();
      if (answer.status === 207) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${name} did not answer: ${stderr}`);
    await sleep(100);
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { root, stop, pid: child.pid };
}
