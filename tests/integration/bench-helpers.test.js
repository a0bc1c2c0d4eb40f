// The bench's helpers survive a share that dies (the built-in's Orthanc died under the
// load, and the next memory reading of the dead process stopped the whole bench).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rssBytes } from '../../bench/measure.js';

test('the memory of a process that has exited reads as null, not as an error', async () => {
  const child = spawn('sleep', ['0.2']);
  assert.ok(rssBytes(child.pid) > 0, 'a live process has a resident size');
  await new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50)); // reaped by Node
  assert.equal(rssBytes(child.pid), null);
});
