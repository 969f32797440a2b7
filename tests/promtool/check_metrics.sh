#!/usr/bin/env bash
# `promtool check metrics` (format and Prometheus' naming lint) on the metrics file of every
# state, as render_metrics_states (the daemon's own metrics_text()) writes them. Any lint line
# fails the test: promtool's exit status alone would accept some warnings.
#   check_metrics.sh path/to/render_metrics_states
set -euo pipefail
render=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$render" "$dir"
status=0
n=0
for f in "$dir"/*.prom; do
  n=$((n + 1))
  if ! out=$(promtool check metrics <"$f" 2>&1) || [[ -n $out ]]; then
    echo "FAIL $(basename "$f"):"
    printf '%s\n' "$out" | sed 's/^/  /'
    status=1
  else
    echo "ok   $(basename "$f")"
  fi
done
((n >= 15)) || { echo "only $n states rendered"; exit 1; }
exit "$status"
