// A PostgreSQL 15 server of its own for a test or benchmark (Debian's postgresql-15): a fresh
// cluster in a scratch folder, on a free loopback port, run as the "postgres" user (initdb and
// postgres refuse root), stopped by its own PID.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './orthanc.js';

const BIN = '/usr/lib/postgresql/15/bin';
export const POSTGRES_INDEX_PLUGIN = '/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so';

/** Why PostgreSQL cannot run here, or null. */
export function postgresUnavailable() {
  if (!existsSync(path.join(BIN, 'postgres'))) return `${BIN}/postgres is missing (apt-get install postgresql-15)`;
  if (!existsSync(POSTGRES_INDEX_PLUGIN)) return `${POSTGRES_INDEX_PLUGIN} is missing (apt-get install orthanc-postgresql)`;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'there is no "postgres" user';
  return null;
}

function idOf(flag) {
  return Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
}

export class Postgres {
  constructor(directory, port) {
    this.directory = directory;
    this.port = port;
    this.process = null;
  }

  /**
   * initdb in a fresh folder under the system's temporary directory (the "postgres" user must
   * reach it: a checkout may sit below folders only root can enter), then the server; resolves
   * once it accepts connections. The folder goes at stop().
   */
  static async start() {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'webdav-share-pg-'));
    const uid = idOf('-u');
    const gid = idOf('-g');
    chownSync(directory, uid, gid);
    const data = path.join(directory, 'data');
    const init = spawnSync(path.join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { uid, gid, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const server = new Postgres(directory, await freePort());
    // fsync off: the tests measure and check the plugin, not PostgreSQL's durability.
    server.process = spawn(path.join(BIN, 'postgres'), ['-D', data, '-p', String(server.port), '-k', directory,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50'], { uid, gid, stdio: 'ignore' });
    server.exited = new Promise((resolve) => server.process.on('exit', resolve));
    const deadline = Date.now() + 30000;
    for (;;) {
      const ready = spawnSync(path.join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(server.port)]);
      if (ready.status === 0) break;
      if (server.process.exitCode !== null || Date.now() > deadline) throw new Error('PostgreSQL did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const created = spawnSync(path.join(BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', 'orthanc'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
    return server;
  }

  /** The Orthanc configuration that puts the index in this server's "orthanc" database. */
  orthancOptions() {
    return {
      PostgreSQL: {
        EnableIndex: true,
        EnableStorage: false,
        Host: '127.0.0.1',
        Port: this.port,
        Database: 'orthanc',
        Username: 'postgres',
        Password: '',
        Lock: false, // several Orthancs on one database
      },
    };
  }

  async stop() {
    if (this.process !== null && this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
