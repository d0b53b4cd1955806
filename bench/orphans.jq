# What users do by hand today to find leftover MCP OAuth state, as one jq program.
#
#   jq -n --argjson now_ms MS --slurpfile cfg ~/.claude.json \
#      --slurpfile cred ~/.claude/.credentials.json \
#      --slurpfile cache ~/.claude/mcp-needs-auth-cache.json -f bench/orphans.jq
#
# Lists the server names configured in user and local (project) scope, the mcpOAuth keys whose
# serverName no scope configures, the names with several keys, and the needs-auth markers for
# unconfigured names. jq cannot hash, so it cannot tell a live key from a stale one: this is a lower
# bound on the work a real cross-reference does (bench/crossref.js does all of it). Names of plugin
# servers and claude.ai connectors are defined elsewhere and never called orphaned, as in
# mcp-auth-doctor; markers dated more than a minute ahead are left to the future-marker check.

def elsewhere: startswith("plugin:") or startswith("claude.ai ");

($cfg[0] // {}) as $c
| ($cred[0].mcpOAuth // {}) as $oauth
| ($cache[0] // {}) as $markers
| ([($c.mcpServers // {} | keys[]),
    ($c.projects // {} | .[] | (.mcpServers // {}) | keys[])] | unique) as $configured
| ($configured | map({(.): true}) | add // {}) as $is_configured
| ($oauth | to_entries
   | map({key, name: (.value.serverName // (.key | sub("\\|[0-9a-f]{16}$"; "")))})) as $entries
| {
    configured: $configured,
    orphaned_registrations:
      [$entries[] | select((.name | elsewhere | not) and ($is_configured[.name] | not)) | .key]
      | sort,
    names_with_several_keys:
      [$entries | group_by(.name)[] | select(length > 1) | {name: .[0].name, keys: map(.key)}],
    orphaned_markers:
      [$markers | to_entries[]
       | select((.key | elsewhere | not) and ($is_configured[.key] | not))
       | select(((.value.timestamp // 0) - $now_ms) < 60000)
       | .key]
      | sort
  }
