// What the module asks of Orthanc and of the clock, as one object handed to those who ask
// (sync.ts, deletion.ts, share.ts): the host imports (host/index.ts) in the plugin, a fake of
// their own in the unit specs, which can then run the synchronizer or a delete without a shim.
import { restGet, restDelete, nowMs } from "./host";

export abstract class Orthanc {
  /** GET on Orthanc's REST API: the body, or null when Orthanc answered an error. */
  abstract get(uri: string): Uint8Array | null;
  /** DELETE on Orthanc's REST API: true when done. */
  abstract delete(uri: string): bool;
  /** Wall-clock time, milliseconds since the Unix epoch. */
  abstract now(): f64;
}

/** The real one, through the shim. */
export class HostOrthanc extends Orthanc {
  get(uri: string): Uint8Array | null {
    return restGet(uri);
  }
  delete(uri: string): bool {
    return restDelete(uri);
  }
  now(): f64 {
    return nowMs();
  }
}
