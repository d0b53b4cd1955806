# Removes the keys in $k[0] (a JSON array) from .mcpOAuth: the jq equivalent of bench/fix.js.
# A lookup object and one with_entries pass (a reduce of del() is quadratic in jq 1.6).
($k[0] | map({(.): true}) | add // {}) as $drop
| .mcpOAuth |= with_entries(select($drop[.key] | not))
