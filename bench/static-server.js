// The static reference of the benchmark's peer phase (bench/peer.js startStaticPeer): a plain
// Node HTTP server that answers each captured URL with the bytes the listener gave for it, read
// once at start (so it does nothing per request but send them), and an empty multistatus for any
// other URL. What any server would take to send the listener's very answers to the same client:
// the part of the listener's time that is not the share's.
// Usage: node bench/static-server.js PORT ANSWERS.json (an object: URL path -> file of the body).
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, manifest] = process.argv.slice(2);
const answers = new Map(Object.entries(JSON.parse(readFileSync(manifest, 'utf8'))).map(([url, file]) => [url, readFileSync(file)]));
const EMPTY = Buffer.from('<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:"></D:multistatus>');

http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const body = answers.get(request.url) ?? EMPTY;
    response.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': body.length });
    response.end(body);
  });
}).listen(Number(port), '127.0.0.1');
