// Debian packages the project needs, installed when missing (as root), or the exact apt-get
// line printed (otherwise). Used by build, start, test and bench, and by .ci/run, so that CI
// installs exactly what `npm test` installs on a newcomer's machine.
// `node scripts/system-packages.js test` installs the test list.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// zlib1g-dev: the staging log's CRC-32 (crc32_z), linked statically so the plugin stays one .so
// libmicrohttpd-dev: the header of the listener's HTTP engine (loaded with dlopen, docs/listener.md)
const BUILD = ['orthanc', 'orthanc-dev', 'libdcmtk17', 'wabt', 'cmake', 'make', 'gcc', 'libc6-dev', 'zlib1g-dev',
  'libmicrohttpd-dev'];

/** What each command needs; `test` and `bench` include the WebDAV clients and the servers tests start. */
export const PACKAGES = {
  build: BUILD,
  test: [
    ...BUILD,
    'ca-certificates', 'curl', 'rclone', 'cadaver', 'davfs2', 'fuse3',
    'dcmtk', // dcmdump: the oracle of the upload check (how Orthanc's parser reads a file)
    'postgresql-15', 'orthanc-postgresql', // the cluster test: two Orthancs on one database
    'nginx-light', 'openssl', // the HTTPS test: a TLS reverse proxy in front of Orthanc
    'libmicrohttpd12', // the listener's HTTP engine at run time (the plugin loads it only when the listener is on)
    'gvfs-backends', 'gvfs-daemons', 'libglib2.0-bin', 'dbus', // gio and gvfsd-dav (Nautilus's WebDAV client), in a dbus-run-session
    'litmus', // the WebDAV protocol suite (RFC 4918), run against the listener's uploads/
  ],
};

function missing(names) {
  return names.filter((name) => {
    const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return result.status !== 0 || !result.stdout.includes('install ok installed');
  });
}

/**
 * Runs apt-get, waiting (up to 10 minutes) while another apt or dpkg holds its lock: on a
 * fresh machine the system's own updates may be running.
 */
function aptGet(args) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const deadline = Date.now() + 600000;
  for (;;) {
    const run = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
    if (run.status === 0) return;
    process.stderr.write(run.stderr);
    if (!/Could not get lock|Unable to lock|is held by process/.test(run.stderr) || Date.now() > deadline) {
      throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status})`);
    }
    console.log('apt is busy (another apt or dpkg holds its lock); waiting');
    execFileSync('sleep', ['5']);
  }
}

export function ensureSystemPackages(kind) {
  const absent = missing(PACKAGES[kind]);
  if (absent.length === 0) return;
  const line = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${absent.join(' ')}`;
  if (process.getuid && process.getuid() === 0) {
    console.log(`Installing Debian packages: ${absent.join(' ')}`);
    aptGet(['update']);
    aptGet(['install', '-y', '--no-install-recommends', ...absent]);
  } else {
    console.error(`Missing Debian packages. Run as root:\n  ${line}`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureSystemPackages(process.argv[2] ?? 'test');
