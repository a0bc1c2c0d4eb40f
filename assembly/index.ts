// The module's ABI: the only exports, each forwarding to the file that owns the concern.
// Mirrored by plugin-shim/guest.h. Calls are serialized by the shim. A request is written into
// the buffer returned by `input(size)`; an answer, when there is one, is left in the output
// buffer (`output_ptr()`) and its length returned.
import { Catalog } from "./catalog";
import { Config, ConfigOutcome, readConfiguration } from "./config";
import { InstanceCache } from "./instances";
import { Synchronizer } from "./sync";
import { Views } from "./views";
import { inputReader, output, reserveInput } from "./wire";
import { trapIfAsked } from "./testing";
import { formatStatus } from "./status";
import { nowMs } from "./host";
import { Deleter } from "./deletion";
import { formatShareDate } from "./clock";

let config = new Config();
const catalog = new Catalog();
let cache = new InstanceCache(config.maxCachedInstances);
let synchronizer = new Synchronizer(catalog, cache);
let views = new Views(catalog, config, synchronizer);
let deleter = new Deleter(catalog, cache, config, views);

/** Start of every WebDAV callback: apply changes and set the clock the listings show. */
function beginRequest(path: Array<string>): void {
  for (let i = 0; i < path.length; i++) trapIfAsked(config.testTrapName, path[i]);
  synchronizer.sync();
  views.now = formatShareDate(nowMs());
}

export function input(size: i32): usize {
  return reserveInput(size);
}

export function output_ptr(): usize {
  return output.dataStart;
}

/**
 * Input: the whole Orthanc configuration as JSON. Output: u8 outcome (0 serve, 1 disabled,
 * 2 refused), then the root as a u8-prefixed string. Returns the output's length.
 */
export function configure(length: i32): i32 {
  const result = readConfiguration(inputReader(length).rest());
  config = result.config;
  cache = new InstanceCache(config.maxCachedInstances);
  synchronizer = new Synchronizer(catalog, cache);
  synchronizer.reconcileIntervalMs = <f64>config.reconcileIntervalSeconds * 1000;
  views = new Views(catalog, config, synchronizer);
  deleter = new Deleter(catalog, cache, config, views);
  output.reset();
  output.u8(<i32>result.outcome);
  output.shortString(config.root);
  return output.length;
}

/** Input: path components. Returns 1 when they name a folder, else 0. */
export function is_existing_folder(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  const node = views.resolve(path);
  return node !== null && node.isFolder ? 1 : 0;
}

/** Input: path components. Returns the listing's length (wire format in views.ts), or -1. */
export function list_folder(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  const node = views.resolve(path);
  if (node === null || !node.isFolder) return -1;
  output.reset();
  views.writeListing(node, output);
  return output.length;
}

/**
 * Input: path components. Output: u8-prefixed MIME type, u8-prefixed date, u8 kind
 * (1: the bytes that follow are an instance id whose DICOM file the shim sends; 2: the bytes
 * that follow are the content), u32-prefixed bytes. Returns the output's length, or -1.
 */
export function retrieve_file(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  const node = views.resolve(path);
  if (node === null || node.isFolder) return -1;
  const file = views.file(node);
  if (file === null) return -1;
  output.reset();
  output.shortString(file.mime);
  output.shortString(file.date);
  const content = file.content;
  if (content !== null) {
    output.u8(2);
    output.longBytes(content.buffer);
  } else {
    output.u8(1);
    output.longBytes(String.UTF8.encode(file.instanceId, false));
  }
  return output.length;
}

/** Input: path components (and, later, the body). Returns 1 when the write is accepted. */
export function store_file(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  return 0; // uploads come with issue 3
}

export function create_folder(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  return 0;
}

/** Input: path components. Returns 1 when deleted (or nothing to delete), 0 when refused, -1 on failure. */
export function delete_item(length: i32): i32 {
  const path = inputReader(length).components();
  beginRequest(path);
  return <i32>deleter.delete(path);
}

/** A resource Orthanc deleted (queued by the shim). Input: its id. */
export function resource_deleted(level: i32, length: i32): void {
  synchronizer.deleted(level, inputReader(length).rest());
}

/** The shim's timer, about once a second: loads the catalog, then reconciles when due. */
export function tick(): void {
  synchronizer.tick();
}

/** Output: the status JSON. `traps` and `memoryBytes` are known to the shim only. */
export function status(traps: i32, memoryBytes: f64): i32 {
  output.reset();
  output.bytes(String.UTF8.encode(formatStatus(config, catalog, cache, synchronizer, deleter, traps, memoryBytes), false));
  return output.length;
}
