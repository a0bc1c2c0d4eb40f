// Debian packages the project needs, installed when missing (as root), or the exact apt-get
// line printed (otherwise). Used by build, start, test and bench.
import { execFileSync, spawnSync } from 'node:child_process';

/** What each command needs; `test` and `bench` include the WebDAV clients. */
export const PACKAGES = {
  build: ['orthanc', 'orthanc-dev', 'wabt', 'cmake', 'gcc', 'libc6-dev'],
  test: ['orthanc', 'orthanc-dev', 'wabt', 'cmake', 'gcc', 'libc6-dev', 'rclone', 'cadaver', 'davfs2', 'fuse3', 'curl'],
};

function missing(names) {
  return names.filter((name) => {
    const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return result.status !== 0 || !result.stdout.includes('install ok installed');
  });
}

export function ensureSystemPackages(kind) {
  const absent = missing(PACKAGES[kind]);
  if (absent.length === 0) return;
  const line = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${absent.join(' ')}`;
  if (process.getuid && process.getuid() === 0) {
    console.log(`Installing Debian packages: ${absent.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', ...absent], { stdio: 'inherit', env });
  } else {
    console.error(`Missing Debian packages. Run as root:\n  ${line}`);
    process.exit(1);
  }
}
