// Shared by the unit tests of the views: a resource source with nothing in it, and the entries
// of a listing as lines.
import { InstanceList } from "../../../assembly/instances";
import { ResourceSource } from "../../../assembly/views";
import { Resource } from "../../../assembly/resources";

/** No instances and no JSON: the catalog's own folders only. */
export class NoSource extends ResourceSource {
  instancesOf(seriesId: string): InstanceList | null {
    return null;
  }
  resourceJson(level: string, id: string): Uint8Array | null {
    return null;
  }
}

/** One entry of a listing as a line: name, folder, size, type, date. */
export function describeEntry(entry: Resource, index: i32, all: Array<Resource>): string {
  return entry.name + "|" + (entry.isFolder ? "1" : "0") + "|" + entry.size.toString() + "|" + entry.mime + "|" + entry.modified;
}

export function entryName(entry: Resource, index: i32, all: Array<Resource>): string {
  return entry.name;
}
