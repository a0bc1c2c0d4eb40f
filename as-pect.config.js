// as-pect runs the unit tests in tests/unit against the AssemblyScript sources, with a fake
// host: REST calls answer "error", the clock is fixed, log lines are collected.
export const logLines = [];

export default {
  entries: ['tests/unit/**/*.spec.ts'],
  include: ['tests/unit/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    // The module exports its own memory (the one passed in is not imported): log lines are
    // read from it, as they are once it grows.
    let exported = null;
    const text = (ptr, len) => Buffer.from((exported ?? memory).buffer, ptr, len).toString('utf8');
    const host = {
      log: (level, ptr, len) => logLines.push(`${level} ${text(ptr, len)}`),
      rest_get: () => -1,
      rest_take: () => {},
      rest_delete: () => -1,
      upload_read: () => 0,
      now_ms: () => Date.UTC(2024, 0, 2, 3, 4, 5),
    };
    const instance = instantiate(binary, createImports({ env: { memory }, host }));
    Promise.resolve(instance).then((i) => { exported = (i.instance ?? i).exports.memory; });
    return instance;
  },
  outputBinary: false,
};
