// The multistatus body of PROPFIND (RFC 4918 13, 14.16), written by the module on the
// listener: compact (no whitespace), escaped, one <D:response> per resource, appended to a
// ByteWriter so that a long answer goes out in chunks (listener.ts). Hrefs come from urls.ts
// and hold only unreserved ASCII and %XX, so they need no XML escaping.
import { Resource } from "./resources";
import { ByteWriter } from "./wire";
import { escapeXml } from "./xml";
import { DAV, Propfind, PropfindMode, PropertyName } from "./propfind";
import { formatHttpDate, formatRfc3339, shareDateMs } from "./httpdate";

/** The live properties (RFC 4918 15, RFC 4331 for quotas). allprop leaves out the quotas (RFC 4331 3). */
const LIVE: Array<string> = [
  "resourcetype", "displayname", "getcontentlength", "getcontenttype", "getlastmodified", "creationdate",
  "getetag", "supportedlock", "lockdiscovery", "quota-available-bytes", "quota-used-bytes",
];
const ALLPROP_COUNT = 9;

export const MULTISTATUS_START = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:multistatus xmlns:D=\"DAV:\">";
export const MULTISTATUS_END = "</D:multistatus>";

/** Whether a live property exists on this resource (a folder has no length, type or tag). */
function applies(name: string, resource: Resource): bool {
  if (!resource.isFolder) return true;
  return name != "getcontentlength" && name != "getcontenttype" && name != "getetag";
}

export class MultistatusWriter {
  // share date -> its two formats, for runs of resources with the same date
  private lastShareDate: string = "";
  private lastHttpDate: string = "";
  private lastCreationDate: string = "";

  constructor(public out: ByteWriter, public propfind: Propfind) {}

  private dates(modified: string): void {
    if (modified == this.lastShareDate) return;
    const ms = shareDateMs(modified);
    this.lastShareDate = modified;
    this.lastHttpDate = formatHttpDate(ms < 0 ? 0 : ms);
    this.lastCreationDate = formatRfc3339(ms < 0 ? 0 : ms);
  }

  /** One live property with its value (`name` is in LIVE and applies). */
  private live(name: string, resource: Resource): void {
    const out = this.out;
    if (name == "resourcetype") {
      out.text(resource.isFolder ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>");
    } else if (name == "displayname") {
      out.text("<D:displayname>");
      out.text(escapeXml(resource.name));
      out.text("</D:displayname>");
    } else if (name == "getcontentlength") {
      out.text("<D:getcontentlength>");
      out.text(resource.size.toString());
      out.text("</D:getcontentlength>");
    } else if (name == "getcontenttype") {
      out.text("<D:getcontenttype>");
      out.text(escapeXml(resource.mime));
      out.text("</D:getcontenttype>");
    } else if (name == "getlastmodified") {
      this.dates(resource.modified);
      out.text("<D:getlastmodified>");
      out.text(this.lastHttpDate);
      out.text("</D:getlastmodified>");
    } else if (name == "creationdate") {
      this.dates(resource.modified);
      out.text("<D:creationdate>");
      out.text(this.lastCreationDate);
      out.text("</D:creationdate>");
    } else if (name == "getetag") {
      out.text("<D:getetag>");
      out.text(escapeXml(resource.entityTag));
      out.text("</D:getetag>");
    } else if (name == "supportedlock") {
      out.text("<D:supportedlock/>"); // no locks through the listener yet (docs/listener.md)
    } else if (name == "lockdiscovery") {
      out.text("<D:lockdiscovery/>");
    } else if (name == "quota-available-bytes") {
      out.text("<D:quota-available-bytes>0</D:quota-available-bytes>"); // nothing can be written here yet
    } else if (name == "quota-used-bytes") {
      out.text("<D:quota-used-bytes>");
      out.text(resource.isFolder ? "0" : resource.size.toString());
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
      out.text(escapeXml(property.ns));
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
    const out = this.out;
    out.text("<D:response><D:href>");
    out.text(href);
    out.text("</D:href><D:propstat><D:prop>");
    const propfind = this.propfind;
    if (propfind.mode == PropfindMode.Prop) {
      const missing = new Array<PropertyName>();
      for (let i = 0; i < propfind.names.length; i++) {
        const property = propfind.names[i];
        if (property.ns == DAV && LIVE.includes(property.name) && applies(property.name, resource)) this.live(property.name, resource);
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
      this.propstatEnd("200 OK");
    }
    out.text("</D:response>");
  }
}
