# ops.rb: small operational helpers written in rbc itself, shipped with rbc.
#
# Use it from a runbook with
#
#     import "ops.rb"
#
# `import` looks next to the importing file first, then in each directory of
# RBC_LIB_PATH (colon-separated), then in rbc's stdlib directory (installed
# at $(pkgdatadir)/stdlib, e.g. /usr/local/share/rbc/stdlib; an rbc run from
# its build tree uses the source tree's stdlib/lib instead).  The fns below
# then join the runbook's scope like its own fns.  None of them touches the
# network; the ones that run a command say so.

# {==== environment ====

# The value of environment variable `name`; fails the step, naming the
# variable, when it is unset or empty.  For values a runbook cannot do
# without (use env(name, default) for optional ones).
fn require_env(name) {
  let v = env(name)
  if v == null or v == "" {
    fail "environment variable ${name} is not set"
  }
  return v
}

# }====

# {==== numbers ====

# part / whole as a fraction (compare it with percentages: `percent(e, n) < 1%`);
# 0.0 when whole is 0, so an idle service has a 0% error rate.
fn percent(part, whole) {
  if whole == 0 {
    return 0.0
  }
  return float(part) / float(whole)
}

# Summary of a list of numbers (or of durations): a map with count, total,
# min, max and mean.  For an empty list count and total are 0 and the others
# null.
fn summary(xs) {
  if len(xs) == 0 {
    return {count: 0, total: 0, min: null, max: null, mean: null}
  }
  let total = sum(xs)
  return {count: len(xs), total: total, min: min(xs), max: max(xs), mean: total / len(xs)}
}

# x limited to the range lo .. hi.
fn clamp(x, lo, hi) {
  return min(max(x, lo), hi)
}

# }====

# {==== text ====

# The first line of text, without its newline ("" for empty text): handy for
# the output of a command, `first_line(sh("hostname").stdout)`.
fn first_line(text) {
  return split(text, "\n")[0] ?? ""
}
# }====

# {==== files (these run a command) ====

# A new private directory (mode 0700) under $TMPDIR or /tmp, named
# PREFIX.XXXXXX; returns its path.  The caller removes it (`sh "rm -rf ${d}"`).
fn temp_dir(prefix) {
  return first_line(sh("mktemp -d -t ${prefix}.XXXXXX").stdout)
}

# How long ago the file at path was last modified, as a duration (whole
# seconds, from its mtime; runs `stat`).  Fails the step when it is missing.
fn file_age(path) {
  if not exists(path) {
    fail "file_age: no such file: ${path}"
  }
  let mtime = int(first_line(sh("stat -c %Y ${path}").stdout))
  return max(0, now().unix - mtime) * 1s
}

# Add one to the integer counter kept in the file at path (a missing file
# counts as 0) and return the new value: attempts, restarts, pages sent.
fn bump_counter(path) {
  let n = 0
  if exists(path) {
    n = int(first_line(read_file(path)))
  }
  n = n + 1
  write_file(path, "${n}\n")
  return n
}

# }====
