// Mounting a WebDAV share with davfs2 (the Debian package; mount.davfs needs root and FUSE), for
// the read-write tests and the upload benchmark. The same approach as clients.test.js: a
// private configuration file and cache folder per mount, and unmounting with fallbacks.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Runs a command without a shell; resolves { status, signal, stdout, stderr, ms }. Killed
 * (SIGKILL) after `timeout` ms, which rejects, so that a hung command fails instead of hanging.
 */
export function run(command, args, { input = null, cwd, env, timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`${command}: ${e.message}`)); });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const result = {
        status, signal, ms: performance.now() - started,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      };
      if (timedOut) reject(new Error(`${command} ${args.join(' ')} timed out after ${timeout} ms\n${result.stdout}\n${result.stderr}`));
      else resolve(result);
    });
    child.stdin.on('error', () => { /* the child may exit before reading all of its input */ });
    child.stdin.end(input ?? undefined);
  });
}

/** Throws unless the command exited with 0; returns its result. */
export function succeeded(result, what) {
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result;
}

/** Why davfs2 cannot run on this machine, or null. */
export function davfsUnavailable() {
  if (process.getuid?.() !== 0) return 'mounting with davfs2 needs root; run as root';
  if (!existsSync('/sbin/mount.davfs') && !existsSync('/usr/sbin/mount.davfs')) return 'mount.davfs is missing: install the Debian package davfs2 (scripts/system-packages.js lists it)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing: the kernel has no FUSE (try `modprobe fuse`); davfs2 needs it';
  return null;
}

export function isMounted(point) {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === point);
}

/**
 * Mounts `url` (ending with "/") at `<scratch>/<name>` with a configuration and a cache folder
 * of its own in `scratch` (which the davfs2 daemon, running as the user davfs2, must be able
 * to reach: mode 755 at least). `settings` are davfs2.conf lines added to the defaults:
 * - ask_auth 0: no credentials, never prompt;
 * - buf_size 256: davfs2 1.6.1 answers EINVAL to a READDIR larger than its buffer (16 KiB by
 *   default), and Linux >= 6.16 asks for as much as the caller's getdents64 buffer (32 KiB for ls);
 * - delay_upload 0: a written file is uploaded when it is closed, not 10 s later (the default),
 *   which would only add a constant wait to every test and measurement.
 * Returns { point, unmount() }.
 */
export async function mountDavfs(url, scratch, { name = 'mnt', settings = [], readOnly = false } = {}) {
  const why = davfsUnavailable();
  if (why) throw new Error(`davfs2 cannot run on this machine: ${why}`);
  const group = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'davfs2');
  if (!group) throw new Error('the group davfs2 does not exist (the davfs2 package creates it)');
  const cache = path.join(scratch, `${name}-cache`);
  mkdirSync(cache, { recursive: true });
  chownSync(cache, 0, Number(group[2]));
  chmodSync(cache, 0o775);
  const conf = path.join(scratch, `${name}-davfs2.conf`);
  writeFileSync(conf, [...settings, 'ask_auth 0', 'buf_size 256', 'delay_upload 0', `cache_dir ${cache}`, ''].join('\n'));
  const point = path.join(scratch, name);
  mkdirSync(point, { recursive: true });
  const options = `${readOnly ? 'ro,' : ''}conf=${conf}`;
  succeeded(await run('mount', ['-t', 'davfs', '-o', options, url, point], { input: '\n\n', timeout: 30000 }), 'mount -t davfs');
  return { point, unmount: () => unmountDavfs(point) };
}

/**
 * Unmounts (umount.davfs first waits until davfs2 has uploaded what is still dirty in its
 * cache), then fusermount and a lazy umount as fallbacks. Throws if it stays mounted.
 */
export async function unmountDavfs(point) {
  if (isMounted(point)) {
    try { await run('umount', [point], { timeout: 60000 }); } catch { /* fall back below */ }
  }
  for (const fallback of [['fusermount', '-u', point], ['fusermount', '-u', '-z', point], ['umount', '-l', point]]) {
    if (!isMounted(point)) break;
    try { await run(fallback[0], fallback.slice(1), { timeout: 10000 }); } catch { /* next */ }
  }
  if (isMounted(point)) throw new Error(`could not unmount the davfs2 mount ${point}`);
}
