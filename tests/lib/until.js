// Waiting for what the server does in the background (imports, clean-ups, change events).

/** Calls `check` until it returns a truthy value (returned), for at most `seconds`. */
export async function until(what, check, seconds = 40) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
