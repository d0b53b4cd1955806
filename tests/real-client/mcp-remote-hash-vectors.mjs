// Compute mcp-remote's server-URL hash with mcp-remote's own function, for the test vectors in
// docs/mcp-remote.md and src/model/mcp_remote.rs. getServerUrlHash is not exported, so this takes
// its source text out of the installed bundle unchanged and evaluates it with node's crypto (the
// bundle imports node:crypto as `crypto2`). Never run by CI.
//
// usage: node mcp-remote-hash-vectors.mjs PATH/TO/node_modules/mcp-remote
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import crypto2 from "node:crypto";

const root = process.argv[2];
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const dist = join(root, "dist");
const source = readdirSync(dist)
  .filter((f) => f.endsWith(".js"))
  .map((f) => readFileSync(join(dist, f), "utf8"))
  .find((text) => text.includes("function getServerUrlHash("));
const match = source.match(/function getServerUrlHash\([^)]*\) \{[\s\S]*?\n\}\n/);
if (!match) throw new Error("getServerUrlHash not found");
const getServerUrlHash = new Function("crypto2", `${match[0]}; return getServerUrlHash;`)(crypto2);
const calculateDefaultPort = (hash) => 3335 + (parseInt(hash.substring(0, 4), 16) % 45816);

// [serverUrl, resource, headers, authorizeParams, clientMetadataUrl, tokenEndpoint]
const cases = [
  ["https://mcp.example.com/mcp"],
  ["https://mcp.example.com/mcp/"],
  ["https://mcp.example.com/sse"],
  ["http://127.0.0.1:18931/mcp"],
  ["https://mcp.example.com/mcp", "https://mcp.example.com/"],
  ["https://mcp.example.com/mcp", undefined, { "X-Tenant": "acme" }],
  ["https://mcp.example.com/mcp", undefined, { b: "2", A: "1", a: "3" }],
  ["https://mcp.example.com/mcp", "https://api.example.com", { Authorization: "Bearer ${API_KEY}" }],
  ["https://mcp.example.com/mcp", undefined, { "X-Q": "quote\" back\\slash tab\t nl\n ctl\u0001 é ☃" }],
  ["https://mcp.example.com/mcp", undefined, {}],
  ["https://mcp.example.com/mcp", undefined, undefined, { audience: "https://api.example.com", prompt: "consent" }],
  ["https://mcp.example.com/mcp", undefined, undefined, undefined, "https://app.example.com/client.json"],
  ["https://mcp.example.com/mcp", undefined, undefined, undefined, undefined, "https://auth.example.com/token"],
  ["https://mcp.example.com/mcp", "https://r.example.com", { H: "v" }, { p: "q" }, "https://app.example.com/c.json", "https://auth.example.com/t"],
];
for (const args of cases) {
  const arity = match[0].slice(match[0].indexOf("(") + 1, match[0].indexOf(")")).split(",").length;
  const used = args.slice(0, arity);
  const hash = getServerUrlHash(...used);
  console.log(JSON.stringify({ version, args: used, hash, defaultPort: calculateDefaultPort(hash) }));
}
