// The benchmark's WebDAV client: URLs, a PROPFIND listing parser, and the discovery walk.
// The parser is a few regular expressions over the multistatus XML that Orthanc's core writes
// (the same writer for the built-in share and for plugin collections): the walk parses
// tens of thousands of listings on the same two cores as the servers, and a general XML
// parser would make the client, not the server, the bottleneck.

/** The URL of a folder (trailing "/") or file under `root` ("http://host:port/webdav"). */
export function davUrl(root, components, folder = true) {
  const tail = components.map((c) => encodeURIComponent(c)).join('/');
  return `${root}/${tail}${folder && tail ? '/' : ''}`;
}

export const pathKey = (components) => components.join('/');

const RESPONSE = /<(?:\w+:)?response\b[^>]*>([\s\S]*?)<\/(?:\w+:)?response>/g;
const field = (name) => new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([^<]*)</(?:\\w+:)?${name}>`);
const HREF = field('href');
const LENGTH = field('getcontentlength');
const TYPE = field('getcontenttype');
const MODIFIED = field('getlastmodified');
const COLLECTION = /<(?:\w+:)?collection\b/;

const unescapeXml = (s) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[e]));

/** "2026-11-28T14:22:00Z" (as Orthanc writes it) -> "20261128T142200" (as plugins give it). */
export function shareDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso ?? '');
  return m ? `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}` : '';
}

/**
 * The entries of a Depth 1 PROPFIND answer for the folder `components`, without the folder
 * itself: { name, isFolder, size, mime, date }.
 */
export function parseListing(xml, rootPath, components) {
  const depth = rootPath.split('/').filter(Boolean).length + components.length + 1;
  const entries = [];
  for (const [, body] of xml.matchAll(RESPONSE)) {
    const href = unescapeXml(HREF.exec(body)?.[1] ?? '');
    const parts = new URL(href, 'http://x').pathname.split('/').filter(Boolean);
    if (parts.length !== depth) continue; // the folder itself
    const isFolder = COLLECTION.test(body);
    entries.push({
      name: decodeURIComponent(parts[parts.length - 1]),
      isFolder,
      size: isFolder ? 0 : Number(LENGTH.exec(body)?.[1] ?? 0),
      mime: isFolder ? '' : unescapeXml(TYPE.exec(body)?.[1] ?? ''),
      date: shareDate(MODIFIED.exec(body)?.[1]),
    });
  }
  return entries;
}

export async function propfind(root, components) {
  const answer = await fetch(davUrl(root, components), { method: 'PROPFIND', headers: { Depth: '1' } });
  const text = await answer.text();
  return { status: answer.status, text };
}

/** Runs `job(item)` for every item, `concurrency` at a time. */
export async function pool(items, concurrency, job) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      await job(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Lists every folder of the share (Depth 1 PROPFIND on each, `concurrency` in parallel, level
 * by level). Returns Map pathKey -> { components, entries }, the root's key being "".
 */
export async function discover(baseUrl, rootPath, concurrency) {
  const root = `${baseUrl}${rootPath}`;
  const listings = new Map();
  let level = [[]];
  while (level.length > 0) {
    const nextLevel = [];
    await pool(level, concurrency, async (components) => {
      const { status, text } = await propfind(root, components);
      if (status !== 207) throw new Error(`PROPFIND ${davUrl(root, components)}: ${status}`);
      const entries = parseListing(text, rootPath, components);
      listings.set(pathKey(components), { components, entries });
      for (const e of entries) if (e.isFolder) nextLevel.push([...components, e.name]);
    });
    level = nextLevel;
  }
  return listings;
}
