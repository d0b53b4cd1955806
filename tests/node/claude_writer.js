// A writer that locks .credentials.json exactly as Claude Code 2.1.332 does: the real
// proper-lockfile package, lock directory <dir>/.storage-write.lock, stale 15 s, then read,
// modify, write a temp file, rename, release. Used by tests/fix.rs when CI installed the package.
// Usage: node claude_writer.js <proper-lockfile dir> <credentials path> <count>
const [lockfileDir, credsPath, count] = process.argv.slice(2);
const lockfile = require(lockfileDir);
const fs = require("fs");
const path = require("path");

async function main() {
  const lockfilePath = path.join(path.dirname(credsPath), ".storage-write.lock");
  for (let i = 0; i < Number(count); i++) {
    const release = await lockfile.lock(credsPath, {
      lockfilePath,
      stale: 15000,
      realpath: false,
      retries: { retries: 200, minTimeout: 2, maxTimeout: 20 },
    });
    const data = JSON.parse(fs.readFileSync(credsPath, "utf8"));
    // A claude.ai connector: fix never removes one it cannot verify.
    data.mcpOAuth[`claude.ai node-${i}|0000000000000000`] = {
      serverName: `claude.ai node-${i}`,
      accessToken: "at-CANARY-node",
      refreshToken: "rt-CANARY-node",
      expiresAt: 4102444800000,
    };
    data.mcpOAuth["quarri|0c54185165cc81b2"] = { serverName: "quarri", accessToken: "", expiresAt: 0 };
    const tmp = `${credsPath}.tmp.${i}`;
    fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(tmp, credsPath);
    await release();
    await new Promise((r) => setTimeout(r, 3));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
