// The peer of the benchmark: `rclone serve webdav` (golang.org/x/net/webdav, a WebDAV server
// that answers from a file system), serving a directory tree that holds the same names as the
// listed folders of the share (empty files), at the same root. It is what a WebDAV server of
// the usual kind does with listings of this size; the listener is measured against it in the
// same run, on the same folders, PROPFIND Depth 1 only (its files are empty).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
  const child = spawn('rclone', ['serve', 'webdav', directory, '--addr', `127.0.0.1:${port}`, '--baseurl', rootPath,
    '--config', '/dev/null', '--read-only'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const root = `http://127.0.0.1:${port}${rootPath}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rclone serve webdav exited: ${stderr}`);
    try {
      const answer = await fetch(`${root}/`, { method: 'PROPFIND', headers: { Depth: '0' } });
      await answer.arrayBuffer();
      if (answer.status === 207) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`rclone serve webdav did not answer: ${stderr}`);
    await sleep(100);
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { root, stop, pid: child.pid };
}
