# tests/run/lib/helpers.rb: a library imported by import_local.rb (by a path
# relative to the runbook); it imports the stdlib's ops.rb in turn.
import "ops.rb"

# "name=value" for each key of map m, in the map's order, joined with commas.
fn kv_line(m) {
  let parts = []
  for k in keys(m) {
    parts = parts + ["${k}=${m[k]}"]
  }
  return join(parts, ",")
}

# The share of failed checks in results (a list of booleans), via ops.rb.
fn failure_rate(results) {
  let bad = 0
  for ok in results {
    if not ok {
      bad = bad + 1
    }
  }
  return percent(bad, len(results))
}
