# tests/checklist/lib/series.rb: a scripted metric for the checklist, monitor
# and watch tests.  next_value(path) returns the next line of the file at
# path (relative to the runbook) on each call: a number, `null` or an empty
# line for "no data", `error` for a failing data source.  Its position is
# kept in $HOME (a fresh scratch directory per test case), so every run
# starts at the first line.
fn next_value(path) {
  let pos = env("HOME") + "/" + replace(path, "/", "_") + ".pos"
  let n = 0
  if exists(pos) {
    n = int(read_file(pos))
  }
  write_file(pos, str(n + 1))
  let lines = split(read_file(path), "\n")
  if n >= len(lines) or lines[n] == "null" or lines[n] == "" {
    return null
  }
  if lines[n] == "error" {
    fail("the metric source is unavailable")
  }
  return float(lines[n])
}
