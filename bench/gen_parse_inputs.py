#!/usr/bin/env python3
"""Write equivalent large sources in Lua and in rbc for the parse benchmark.

usage: gen_parse_inputs.py OUTDIR [--units N]

Each of the N units (default 40,000) is a small function with an arithmetic
expression and an if/else, then one call of it (perf-anchors.md section 6):

  big.lua   function f_N(a, b) ... end, each followed by its call f_N(N, 2)
  big.rb    one runbook: the N functions as runbook-level `fn`s, then a phase
            with one step that holds the N calls (a runbook cannot hold
            statements outside steps, so the calls are gathered there)
  big-lib.rb  the same N functions as a library file (top-level `fn`s only)

Both main files are about 5 MB.  Prints "FILE BYTES LINES" for each file.
The functions are global in Lua because a Lua chunk allows 200 locals.
"""
import argparse
import os
import sys

LUA_UNIT = """function f_{n}(a, b)
  local x = a * {k} + b - 3
  if x > {k} then
    return x - 1
  else
    return x + b * 2
  end
end
f_{n}({n}, 2)
"""

RB_FN = """  fn f_{n}(a, b) {{
    let x = a * {k} + b - 3
    if x > {k} {{
      return x - 1
    }} else {{
      return x + b * 2
    }}
  }}
"""

RB_HEAD = """runbook "parse-bench" {
  title       "Parse throughput benchmark"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-bench"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1"

"""


def write(path, chunks):
    with open(path, "w") as f:
        for c in chunks:
            f.write(c)
    with open(path, "rb") as f:
        data = f.read()
    print("%s %d %d" % (path, len(data), data.count(b"\n")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--units", type=int, default=40000)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    units = range(args.units)
    write(os.path.join(args.outdir, "big.lua"),
          (LUA_UNIT.format(n=n, k=n % 13 + 2) for n in units))

    def rb():
        yield RB_HEAD
        for n in units:
            yield RB_FN.format(n=n, k=n % 13 + 2)
        yield '\n  phase "Calls" {\n    step "Call every function" {\n'
        for n in units:
            yield "      f_%d(%d, 2)\n" % (n, n)
        yield "    }\n  }\n}\n"
    write(os.path.join(args.outdir, "big.rb"), rb())

    def lib():
        for n in units:
            yield RB_FN.format(n=n, k=n % 13 + 2).replace("\n  ", "\n")[2:]
    write(os.path.join(args.outdir, "big-lib.rb"), lib())
    return 0


if __name__ == "__main__":
    sys.exit(main())
