// The JSON answered by the plugin's status route (GET /webdav-share/status).
import { Share } from "./share";
import { formatShareDate } from "./clock";
import { AccessRules, Profile } from "./access";

/**
 * The access rules in force, as the status route shows them: no password, counts of refusals;
 * `only`: the one entry a user who is not unrestricted may see (their own), null for all.
 */
function formatAccess(rules: AccessRules, only: Profile | null): string {
  if (!rules.active) return "{\"Active\":false}";
  const entries = new Array<string>();
  const profiles = rules.profiles();
  for (let i = 0; i < profiles.length; i++) {
    const profile = profiles[i];
    if (only !== null && profile !== only) continue;
    entries.push("{\"Entry\":" + jsonString(profile.name) + ",\"Rule\":" + jsonString(profile.describe()) +
      ",\"Refused\":" + profile.refused.toString() + "}");
  }
  return "{\"Active\":true,\"Valid\":" + (rules.invalid ? "false" : "true") +
    ",\"UserNamesTrusted\":" + (rules.authenticated ? "true" : "false") +
    ",\"RestApi\":" + jsonString(rules.restApiShareOnly ? "ShareOnly" : "Open") +
    ",\"Rules\":[" + entries.join(",") + "]}";
}

export function jsonString(value: string): string {
  const parts = new Array<string>();
  parts.push("\"");
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0x22) parts.push("\\\"");
    else if (c == 0x5c) parts.push("\\\\");
    else if (c < 0x20) parts.push("\\u" + c.toString(16).padStart(4, "0"));
    else parts.push(String.fromCharCode(c));
  }
  parts.push("\"");
  return parts.join("");
}

export function formatStatus(version: string, share: Share, traps: i32, memoryBytes: f64, rulesOf: Profile | null): string {
  const config = share.config;
  const catalog = share.catalog;
  const cache = share.cache;
  const sync = share.synchronizer;
  const uploads = share.uploads;
  return "{" +
    "\"Version\":" + jsonString(version) + "," +
    "\"Root\":" + jsonString(config.root) + "," +
    "\"CatalogReady\":" + (sync.loaded ? "true" : "false") + "," +
    "\"Patients\":" + catalog.patients.size.toString() + "," +
    "\"Studies\":" + catalog.studies.size.toString() + "," +
    "\"Series\":" + catalog.series.size.toString() + "," +
    "\"CachedSeries\":" + cache.seriesCount.toString() + "," +
    "\"CachedInstances\":" + cache.total.toString() + "," +
    "\"MaxCachedInstances\":" + cache.maxInstances.toString() + "," +
    "\"InstanceListsRead\":" + sync.instanceListsRead.toString() + "," +
    "\"LastChangeSeq\":" + sync.lastSeq.toString() + "," +
    "\"LastSync\":" + jsonString(sync.lastSyncAt > 0 ? formatShareDate(sync.lastSyncAt) : "") + "," +
    "\"CatalogLoadMs\":" + (<i64>Math.round(sync.loadMs)).toString() + "," +
    "\"Reconciliations\":" + sync.reconciliations.toString() + "," +
    "\"Traps\":" + traps.toString() + "," +
    "\"DeletedThroughShare\":" + share.deleter.deleted.toString() + "," +
    "\"Uploads\":{\"Imported\":" + uploads.imported.toString() + ",\"Skipped\":" + uploads.skipped.toString() +
    ",\"Failed\":" + uploads.failed.toString() + ",\"Pending\":" + uploads.pending.toString() +
    ",\"JunkDropped\":" + uploads.junkDropped.toString() + "}," +
    "\"ModuleMemoryBytes\":" + (<i64>Math.round(memoryBytes)).toString() + "," +
    "\"DeleteAllowed\":" + (config.deleteAllowed ? "true" : "false") + "," +
    "\"UploadAllowed\":" + (config.uploadAllowed ? "true" : "false") + "," +
    "\"AsciiNames\":" + (config.asciiNames ? "true" : "false") + "," +
    "\"AccessRules\":" + formatAccess(config.access, rulesOf) +
    "}";
}
