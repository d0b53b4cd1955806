#!/usr/bin/env node
// The full cross-reference a careful user would script by hand (the bug report's "node-script
// wipe", grown up): read ~/.claude.json, the credentials and the needs-auth cache, compute every
// configured server's mcpOAuth key (sha256 of JSON.stringify({type, url, headers}) after ${VAR}
// expansion), and classify every entry and marker. Node built-ins only.
//
//   node bench/crossref.js HOME [NOW_MS]
//
// Prints one JSON document; `orphaned_registrations` and `orphaned_markers` are what bench/run.sh
// compares with mcp-auth-doctor and bench/orphans.jq.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const home = process.argv[2];
const now = process.argv[3] ? Number(process.argv[3]) : Date.now();
if (!home) {
  console.error('usage: crossref.js HOME [NOW_MS]');
  process.exit(2);
}

function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return fallback;
    throw new Error(`${file}: ${e.message}`);
  }
}

const configDir = process.env.CLAUDE_CONFIG_DIR || path.join(home, '.claude');
const config = readJson(path.join(home, '.claude.json'), {});
const creds = readJson(path.join(configDir, '.credentials.json'), {});
const cache = readJson(path.join(configDir, 'mcp-needs-auth-cache.json'), {});

// ${VAR} and ${VAR:-default}, as Claude Code expands them.
function expand(s) {
  return s.replace(/\$\{([^}]+)\}/g, (whole, inner) => {
    const [name, dflt] = inner.split(':-', 2);
    const v = process.env[name];
    if (v !== undefined) return v;
    return dflt !== undefined ? dflt : whole;
  });
}

function keyOf(name, c) {
  const headers = {};
  for (const [k, v] of Object.entries(c.headers || {})) {
    headers[k] = typeof v === 'string' ? expand(v) : v;
  }
  const input = JSON.stringify({ type: c.type, url: expand(c.url), headers });
  return `${name}|${crypto.createHash('sha256').update(input).digest('hex').slice(0, 16)}`;
}

// Every configured server: user scope, local scope, and .mcp.json in every known project.
const servers = [];
function addAll(map, scope) {
  for (const [name, c] of Object.entries(map || {})) {
    const oauth = c && (c.type === 'http' || c.type === 'sse') && typeof c.url === 'string';
    const staticAuth = oauth && (Object.keys(c.headers || {}).some((h) => h.toLowerCase() === 'authorization')
      || typeof c.headersHelper === 'string');
    servers.push({ name, scope, key: oauth ? keyOf(name, c) : null, staticAuth });
  }
}
addAll(config.mcpServers, 'user');
for (const [dir, project] of Object.entries(config.projects || {})) {
  addAll(project && project.mcpServers, `local:${dir}`);
  const mcpJson = path.join(dir, '.mcp.json');
  if (fs.existsSync(mcpJson)) addAll(readJson(mcpJson, {}).mcpServers, `project:${mcpJson}`);
}
const configured = new Set(servers.map((s) => s.name));
const live = new Map();
for (const s of servers) if (s.key) live.set(s.key, s);

const elsewhere = (name) => name.startsWith('plugin:') || name.startsWith('claude.ai ');
const truthy = (v) => !!v;

function tokenState(e) {
  const access = truthy(e.accessToken);
  const refresh = truthy(e.refreshToken);
  if (!access && !refresh) return 'placeholder';
  const at = typeof e.expiresAt === 'number' ? e.expiresAt : NaN;
  if (at - now <= 0) return refresh ? 'refreshable' : 'expired';
  if (at - now <= 300000 && refresh) return 'refreshable';
  return access ? 'valid' : 'refreshable';
}

const out = {
  live: [], pending_registrations: [], expired_tokens: [], refreshable_tokens: [],
  stale_registrations: [], orphaned_registrations: [], unverified_registrations: [],
  names_with_several_keys: [], stale_markers: [], orphaned_markers: [], future_markers: [],
};
const byName = new Map();
const entryByKey = new Map();
for (const [key, e] of Object.entries(creds.mcpOAuth || {})) {
  const name = (e && typeof e.serverName === 'string') ? e.serverName : key.replace(/\|[0-9a-f]{16}$/, '');
  const state = tokenState(e || {});
  entryByKey.set(key, state);
  if (!byName.has(name)) byName.set(name, []);
  byName.get(name).push(key);
  if (live.has(key)) {
    out.live.push(key);
    if (live.get(key).staticAuth) continue;
    if (state === 'placeholder') out.pending_registrations.push(key);
    if (state === 'expired') out.expired_tokens.push(key);
    if (state === 'refreshable') out.refreshable_tokens.push(key);
  } else if (configured.has(name)) {
    out.stale_registrations.push(key);
  } else if (elsewhere(name)) {
    out.unverified_registrations.push(key);
  } else {
    out.orphaned_registrations.push(key);
  }
}
for (const [name, keys] of byName) if (keys.length > 1) out.names_with_several_keys.push({ name, keys });
for (const [name, m] of Object.entries(cache)) {
  const age = now - Number(m && m.timestamp);
  const ttl = (m && m.ttlMs > 0) ? m.ttlMs : (name.startsWith('claude.ai ') ? 14400000 : 900000);
  const future = age <= -60000;
  if (future) out.future_markers.push(name);
  if (!configured.has(name)) {
    if (!elsewhere(name) && !future) out.orphaned_markers.push(name);
    continue;
  }
  const fresh = !future && age < ttl;
  const usable = servers.some((s) => s.name === name && s.key && !s.staticAuth
    && ['valid', 'refreshable'].includes(entryByKey.get(s.key)));
  if (fresh && usable) out.stale_markers.push(name);
}
for (const k of Object.keys(out)) if (Array.isArray(out[k]) && typeof out[k][0] === 'string') out[k].sort();
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
