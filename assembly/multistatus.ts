// The multistatus body of PROPFIND (RFC 4918 13, 14.16), written by the module on the
// listener: compact (no whitespace), escaped, one <D:response> per resource, appended to a
// ByteWriter so that a long answer goes out in chunks (listener.ts). Hrefs come from urls.ts
// and hold only unreserved ASCII and %XX, so they need no XML escaping.
import { BodyPart, Listing, Resource, keptPart } from "./resources";
import { DeadProperties, propertyKey } from "./deadprops";
import { ByteWriter } from "./wire";
import { writeXmlText } from "./xml";
import { writeSegment } from "./urls";
import { DAV, Propfind, PropfindMode, PropertyName } from "./propfind";
import { writeHttpDate, writeRfc3339, shareDateMs } from "./httpdate";

/** The live properties (RFC 4918 15, RFC 4331 for quotas). allprop leaves out the quotas (RFC 4331 3). */
const LIVE: Array<string> = [
  "resourcetype", "displayname", "getcontentlength", "getcontenttype", "getlastmodified", "creationdate",
  "getetag", "supportedlock", "lockdiscovery", "quota-available-bytes", "quota-used-bytes",
];
const ALLPROP_COUNT = 9;

export const MULTISTATUS_START = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:multistatus xmlns:D=\"DAV:\">";
export const MULTISTATUS_END = "</D:multistatus>";
export const MULTISTATUS_END_BYTES = String.UTF8.encode(MULTISTATUS_END);
/** Write locks, exclusive and shared (RFC 4918 15.10; locks.ts). */
const SUPPORTED_LOCK = "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>" +
  "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry></D:supportedlock>";

/** Whether a live property exists on this resource (a folder has no length, type or tag). */
function applies(name: string, resource: Resource): bool {
  if (!resource.isFolder) return true;
  return name != "getcontentlength" && name != "getcontenttype" && name != "getetag";
}

/** Epoch milliseconds of a resource's share date (the epoch when it has none). */
function modifiedMs(resource: Resource): i64 {
  const ms = shareDateMs(resource.modified);
  return ms < 0 ? 0 : ms;
}

/**
 * Writes <D:response> elements. Everything per resource is written straight into the output
 * (names escaped and percent-encoded in place, dates and numbers formatted in place): a
 * listing of 10,000 entries allocates nothing per entry, which is what keeps the module's
 * garbage collector, whose every cycle walks the whole catalog, out of the profile.
 */
export class MultistatusWriter {
  /** The <D:activelock> elements of the next response (writes.ts activeLocksXml); "" for none. */
  activeLocks: string = "";
  /** The dead properties of the next response (deadprops.ts: property key -> XML); null for none. */
  dead: Map<string, string> | null = null;
  /** quota-available-bytes: the staging disk's free space in uploads/ for one who may upload, else 0 (the views take no files). */
  availableBytes: u64 = 0;
  constructor(public out: ByteWriter, public propfind: Propfind) {}

  /** The dead property's element empty (propname), from its key "{ns}name". */
  private deadName(key: string): void {
    const close = key.indexOf("}");
    this.empty(new PropertyName(key.substring(1, close), key.substring(close + 1)));
  }

  /** One live property with its value (`name` is in LIVE and applies). */
  private live(name: string, resource: Resource): void {
    const out = this.out;
    if (name == "resourcetype") {
      out.text(resource.isFolder ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>");
    } else if (name == "displayname") {
      out.text("<D:displayname>");
      writeXmlText(out, resource.name);
      out.text("</D:displayname>");
    } else if (name == "getcontentlength") {
      out.text("<D:getcontentlength>");
      out.decimal(resource.size);
      out.text("</D:getcontentlength>");
    } else if (name == "getcontenttype") {
      out.text("<D:getcontenttype>");
      writeXmlText(out, resource.mime);
      out.text("</D:getcontenttype>");
    } else if (name == "getlastmodified") {
      out.text("<D:getlastmodified>");
      writeHttpDate(out, modifiedMs(resource));
      out.text("</D:getlastmodified>");
    } else if (name == "creationdate") {
      out.text("<D:creationdate>");
      writeRfc3339(out, modifiedMs(resource));
      out.text("</D:creationdate>");
    } else if (name == "getetag") {
      out.text("<D:getetag>");
      writeXmlText(out, resource.entityTag);
      out.text("</D:getetag>");
    } else if (name == "supportedlock") {
      out.text(SUPPORTED_LOCK);
    } else if (name == "lockdiscovery") {
      if (this.activeLocks.length == 0) {
        out.text("<D:lockdiscovery/>");
      } else {
        out.text("<D:lockdiscovery>");
        out.text(this.activeLocks);
        out.text("</D:lockdiscovery>");
      }
    } else if (name == "quota-available-bytes") {
      out.text("<D:quota-available-bytes>");
      out.decimal(this.availableBytes);
      out.text("</D:quota-available-bytes>");
    } else if (name == "quota-used-bytes") {
      out.text("<D:quota-used-bytes>");
      out.decimal(resource.isFolder ? 0 : resource.size);
      out.text("</D:quota-used-bytes>");
    }
  }

  /** An empty element naming a property (propname, and the 404 propstat). */
  private empty(property: PropertyName): void {
    const out = this.out;
    if (property.ns == DAV) {
      out.text("<D:");
      out.text(property.name);
      out.text("/>");
    } else if (property.ns.length == 0) {
      out.text("<");
      out.text(property.name);
      out.text(" xmlns=\"\"/>");
    } else {
      out.text("<X:");
      out.text(property.name);
      out.text(" xmlns:X=\"");
      writeXmlText(out, property.ns);
      out.text("\"/>");
    }
  }

  private propstatEnd(status: string): void {
    this.out.text("</D:prop><D:status>HTTP/1.1 ");
    this.out.text(status);
    this.out.text("</D:status></D:propstat>");
  }

  /** One <D:response> for `resource` at `href`. */
  response(href: string, resource: Resource): void {
    this.out.text("<D:response><D:href>");
    this.out.text(href);
    this.properties(resource);
  }

  /** One <D:response> for `resource`, a child of the folder at `folderHref` (which ends in "/"). */
  child(folderHref: string, resource: Resource): void {
    const out = this.out;
    out.text("<D:response><D:href>");
    out.text(folderHref);
    writeSegment(out, resource.name);
    if (resource.isFolder) out.u8(0x2f); // collections' hrefs end in "/" (urls.ts hrefOf)
    this.properties(resource);
  }

  /** The rest of a <D:response>, after its href. */
  private properties(resource: Resource): void {
    const out = this.out;
    out.text("</D:href><D:propstat><D:prop>");
    const propfind = this.propfind;
    if (propfind.mode == PropfindMode.Prop) {
      const missing = new Array<PropertyName>();
      for (let i = 0; i < propfind.names.length; i++) {
        const property = propfind.names[i];
        const dead = this.dead;
        const key = propertyKey(property.ns, property.name);
        if (property.ns == DAV && LIVE.includes(property.name) && applies(property.name, resource)) this.live(property.name, resource);
        else if (dead !== null && dead.has(key)) out.text(dead.get(key));
        else missing.push(property);
      }
      this.propstatEnd("200 OK");
      if (missing.length > 0) {
        out.text("<D:propstat><D:prop>");
        for (let i = 0; i < missing.length; i++) this.empty(missing[i]);
        this.propstatEnd("404 Not Found");
      }
    } else {
      const names = propfind.mode == PropfindMode.AllProp ? ALLPROP_COUNT : LIVE.length;
      for (let i = 0; i < names; i++) {
        const name = LIVE[i];
        if (!applies(name, resource)) continue;
        if (propfind.mode == PropfindMode.PropName) this.empty(new PropertyName(DAV, name));
        else this.live(name, resource);
      }
      // allprop's include (RFC 4918 9.1): the quotas when named; other names are not ours to add
      if (propfind.mode == PropfindMode.AllProp) {
        for (let i = 0; i < propfind.names.length; i++) {
          const property = propfind.names[i];
          const at = LIVE.indexOf(property.name);
          if (property.ns == DAV && at >= ALLPROP_COUNT) this.live(property.name, resource);
        }
      }
      const dead = this.dead;
      if (dead !== null) {
        const keys = dead.keys();
        for (let i = 0; i < keys.length; i++) {
          if (propfind.mode == PropfindMode.PropName) this.deadName(keys[i]);
          else out.text(dead.get(keys[i]));
        }
      }
      this.propstatEnd("200 OK");
    }
    out.text("</D:response>");
  }
}

/** Entries written before the size of a listing's responses is extrapolated from them. */
const SIZING_ENTRIES = 32;
/**
 * Where the responses of a listing that is not kept (a series' files, a folder of uploads/) are
 * written, request after request: they are copied into the answer at once (index.ts), and a
 * buffer allocated per request paced the collector (a third of a 100-file series' PROPFIND).
 * One grown beyond SCRATCH_KEPT_BYTES by a huge folder is let go after use.
 */
let scratch = new ByteWriter(SIZING_ENTRIES * 1024);
const SCRATCH_KEPT_BYTES = 1 << 22;

function emptyScratch(): ByteWriter {
  if (scratch.buffer.byteLength > SCRATCH_KEPT_BYTES) scratch = new ByteWriter(SIZING_ENTRIES * 1024);
  scratch.reset();
  return scratch;
}

/**
 * The <D:response> elements of a listing's entries, children of the folder at `folderHref`.
 * A kept listing keeps them for the last href and propfind asked (clients ask one shape), so
 * a large folder is written once per catalog change, not per PROPFIND (docs/listener.md, speed).
 */
export function childResponses(listing: Listing, folderHref: string, propfind: Propfind,
  dead: DeadProperties | null = null, folderKey: string = "", availableBytes: u64 = 0): BodyPart {
  // entries with dead properties (uploads/ only, never in a kept listing) are written each time
  const withDead = dead !== null && dead.anyAtOrBelow(folderKey);
  const keep = listing.kept && !withDead && availableBytes == 0;
  const key = keep ? folderHref + "\n" + propfind.key : "";
  const kept = listing.responses;
  if (keep && kept !== null && key == listing.responsesKey) return kept;
  const count = listing.entries.length;
  const writer = new MultistatusWriter(keep ? new ByteWriter(SIZING_ENTRIES * 1024) : emptyScratch(), propfind);
  writer.availableBytes = availableBytes;
  for (let i = 0; i < count; i++) {
    // the first entries tell the size of the rest: room for all of it at once, plus a margin
    if (i == SIZING_ENTRIES) writer.out.reserveTotal(<i32>(<i64>writer.out.length * count / SIZING_ENTRIES * 21 / 20) + 4096);
    if (withDead) writer.dead = dead!.of(folderKey.length > 0 ? folderKey + "/" + listing.entries[i].name : listing.entries[i].name);
    writer.child(folderHref, listing.entries[i]);
  }
  // not kept: valid until the next listing is written, that is, for this answer only
  if (!keep) return new BodyPart(scratch.buffer, 0, scratch.length);
  const responses = keptPart(writer.out.detach());
  listing.responses = responses;
  listing.responsesKey = key;
  return responses;
}
