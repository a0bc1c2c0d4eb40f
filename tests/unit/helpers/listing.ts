// Shared by the unit tests of the views: a resource source with nothing in it, and the entries
// of a listing as the shim would read them.
import { InstanceList } from "../../../assembly/instances";
import { ResourceSource } from "../../../assembly/views";
import { ByteWriter } from "../../../assembly/wire";

/** No instances and no JSON: the catalog's own folders only. */
export class NoSource extends ResourceSource {
  instancesOf(seriesId: string): InstanceList | null {
    return null;
  }
  resourceJson(level: string, id: string): Uint8Array | null {
    return null;
  }
}

/** One listing entry (wire.ts writeListingEntry). */
export class ListedEntry {
  constructor(public isFolder: bool, public size: u64, public mime: string, public date: string, public name: string) {}

  describe(): string {
    return this.name + "|" + (this.isFolder ? "1" : "0") + "|" + this.size.toString() + "|" + this.mime + "|" + this.date;
  }
}

/** The entries written to `out`: a u32 count, then u8 folder, u64 size, u8-prefixed MIME and date, u16-prefixed name. */
export function listedEntries(out: ByteWriter): Array<ListedEntry> {
  let at = out.dataStart;
  const count = load<u32>(at);
  at += 4;
  const entries = new Array<ListedEntry>();
  for (let i: u32 = 0; i < count; i++) {
    const isFolder = load<u8>(at) != 0;
    const size = load<u64>(at + 1);
    at += 9;
    const mime = String.UTF8.decodeUnsafe(at + 1, <usize>load<u8>(at), false);
    at += 1 + <usize>load<u8>(at);
    const date = String.UTF8.decodeUnsafe(at + 1, <usize>load<u8>(at), false);
    at += 1 + <usize>load<u8>(at);
    const length = <usize>load<u16>(at);
    entries.push(new ListedEntry(isFolder, size, mime, date, String.UTF8.decodeUnsafe(at + 2, length, false)));
    at += 2 + length;
  }
  return entries;
}
