// Traps on purpose, for the tests that show a trap never takes Orthanc down. Active only when
// the configuration names a prefix (WebDavShare.TestTrapName); off by default.
import { ByteSource } from "./bytes";

let depth: i32 = 0;

function recurseForever(n: i32): i32 {
  depth = n;
  return recurseForever(n + 1) + 1;
}

/** Traps while checking an upload whose bytes begin with `prefix` (a fault of the check itself). */
export function trapIfContentAsked(prefix: string, source: ByteSource): void {
  if (prefix.length == 0) return;
  const expected = Uint8Array.wrap(String.UTF8.encode(prefix));
  const head = new Uint8Array(expected.length);
  if (source.read(0, head.dataStart, head.length) != head.length) return;
  for (let i = 0; i < head.length; i++) if (head[i] != expected[i]) return;
  unreachable();
}

/** Traps if `component` starts with `prefix`; the rest of the name chooses the kind of trap. */
export function trapIfAsked(prefix: string, component: string): void {
  if (prefix.length == 0 || !component.startsWith(prefix)) return;
  const kind = component.substring(prefix.length);
  if (kind == "-oob") {
    store<u8>(<usize>0xfffffff0, 1); // beyond the linear memory
  } else if (kind == "-stack") {
    depth = recurseForever(0);
  } else if (kind == "-abort") {
    throw new Error("trap requested by the test configuration");
  }
  unreachable();
}
