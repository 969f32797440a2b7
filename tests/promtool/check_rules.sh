#!/usr/bin/env bash
# The alert rules under Prometheus' own tools: `promtool check rules` (syntax, PromQL) and
# `promtool test rules` (tests/promtool/alerts_test.yml: each alert fires with its labels when it
# should and stays silent when all is well). Then every metric name the rules use must be one the
# daemon renders, so a rename in metrics_text.cpp cannot silently leave an alert on nothing.
#   check_rules.sh deploy/examples/prometheus-alerts.yml path/to/render_metrics_states
set -euo pipefail
rules=$1
render=$2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

promtool check rules "$rules"
# promtool resolves rule_files relative to the test file: give it the file under test there.
cp "$rules" "$dir/prometheus-alerts.yml"
cp "$here/alerts_test.yml" "$dir/"
(cd "$dir" && promtool test rules alerts_test.yml)

"$render" "$dir"
rendered=$(cat "$dir"/*.prom | sed -n 's/^# TYPE \([a-z_:]*\) .*/\1/p' | sort -u)
used=$(grep -o 'anycast_sidecar_[a-z_]*' "$rules" | sort -u)
missing=$(comm -23 <(echo "$used") <(echo "$rendered"))
if [[ -n $missing ]]; then
  echo "the rules use metrics the daemon does not render:"
  echo "$missing"
  exit 1
fi
echo "rules use $(wc -w <<<"$used") metric names, all rendered by the daemon"
