// GET of a folder on the listener: a small HTML index, so that a browser shows the share.
import { Listing } from "./resources";
import { escapeXml } from "./xml";
import { encodeSegment } from "./urls";

export function htmlIndex(title: string, listing: Listing, atTop: bool): string {
  let html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escapeXml(title) +
    "</title></head><body><h1>" + escapeXml(title) + "</h1><ul>";
  if (!atTop) html += "<li><a href=\"../\">../</a></li>";
  const entries = listing.entries;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const href = encodeSegment(entry.name) + (entry.isFolder ? "/" : "");
    html += "<li><a href=\"" + href + "\">" + escapeXml(entry.name) + (entry.isFolder ? "/" : "") + "</a>" +
      (entry.isFolder ? "" : " " + entry.size.toString() + " bytes") + "</li>";
  }
  return html + "</ul></body></html>\n";
}
