// What a careful user would script to remove entries from the credentials file by hand: parse,
// delete the keys, serialise, write a temp file and rename it over the original. Node built-ins.
//   node bench/fix.js CREDENTIALS KEYS.json
const fs = require("fs");
const [file, keysFile] = process.argv.slice(2);
const creds = JSON.parse(fs.readFileSync(file, "utf8"));
for (const k of JSON.parse(fs.readFileSync(keysFile, "utf8"))) delete creds.mcpOAuth[k];
const tmp = `${file}.tmp.${process.pid}`;
fs.writeFileSync(tmp, JSON.stringify(creds), { mode: 0o600 });
fs.renameSync(tmp, file);
