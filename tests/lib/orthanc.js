// Starts a real Orthanc 1.10.1 on free loopback ports with a fresh SQLite database, for tests,
// benchmarks and `npm start`. Each server is stopped by its own PID.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const handedOut = new Set();

/**
 * A free loopback port that this process has not handed out before: the kernel can give a
 * just-closed port twice, and two Orthancs (or HTTP and DICOM of one) would then collide.
 */
export async function freePort() {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The Authorization header of HTTP Basic authentication. */
export function basicAuthorization(user, password) {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export class Orthanc {
  constructor(directory, configuration, httpPort, dicomPort) {
    this.directory = directory;
    this.configuration = configuration;
    this.httpPort = httpPort;
    this.dicomPort = dicomPort;
    this.url = `http://127.0.0.1:${httpPort}`;
    this.logFile = path.join(directory, 'orthanc.log');
    this.process = null;
    this.restHeaders = {};
  }

  /**
   * A fresh Orthanc in `directory` (emptied unless keepData). `options` are merged into the
   * Orthanc configuration; `plugin` (path of the .so) is loaded when given.
   */
  static async create(directory, { plugin = null, options = {}, keepData = false, restUser = null } = {}) {
    if (!keepData) rmSync(directory, { recursive: true, force: true });
    mkdirSync(path.join(directory, 'db'), { recursive: true });
    const httpPort = options.HttpPort ?? await freePort();
    const dicomPort = options.DicomPort ?? await freePort();
    const configuration = {
      Name: 'webdav-share-test',
      StorageDirectory: path.join(directory, 'db'),
      IndexDirectory: path.join(directory, 'db'),
      HttpPort: httpPort,
      DicomPort: dicomPort,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      HttpCompressionEnabled: false,
      WebDavEnabled: false,
      Plugins: plugin ? [plugin] : [],
      ...options,
    };
    const orthanc = new Orthanc(directory, configuration, httpPort, dicomPort);
    // With AuthenticationEnabled, the user (a key of RegisteredUsers) the tests' REST calls use.
    if (restUser) orthanc.restHeaders = { Authorization: basicAuthorization(restUser, configuration.RegisteredUsers[restUser]) };
    return orthanc;
  }

  /**
   * Starts the server; returns once /system answers 200 (any answer with `anyAnswer`), or once
   * `ready()` resolves true when given (a server that does not speak plain HTTP).
   */
  async start({ anyAnswer = false, ready = null } = {}) {
    const configPath = path.join(this.directory, 'orthanc.json');
    writeFileSync(configPath, JSON.stringify(this.configuration, null, 2));
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.process = spawn('Orthanc', [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout.pipe(log);
    this.process.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 30000;
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`Orthanc exited at start; see ${this.logFile}`);
      if (ready) {
        if (await ready()) break;
      } else {
        try {
          const answer = await fetch(`${this.url}/system`, { headers: this.restHeaders });
          if (answer.ok || anyAnswer) break;
        } catch { /* not listening yet */ }
      }
      if (Date.now() > deadline) throw new Error(`Orthanc did not start; see ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  get alive() {
    return this.process !== null && this.process.exitCode === null && this.process.signalCode === null;
  }

  async stop() {
    if (!this.alive) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.alive && this.process.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the server without warning (SIGKILL), as a crash or a power cut would. */
  async kill() {
    if (!this.alive) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }

  async rest(method, uri, body) {
    const answer = await fetch(`${this.url}${uri}`, { method, body, headers: this.restHeaders });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`${method} ${uri}: ${answer.status} ${text}`);
    return text.length > 0 && text.trimStart().match(/^[[{]/) ? JSON.parse(text) : text;
  }

  /** The SOPInstanceUIDs of every instance Orthanc holds. */
  async sopInstanceUids() {
    const instances = await this.rest('GET', '/instances?expand');
    return new Set(instances.map((i) => i.MainDicomTags.SOPInstanceUID));
  }

  async upload(dicom) {
    return this.rest('POST', '/instances', dicom);
  }
}
