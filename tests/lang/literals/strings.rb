# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  phase "P" {
    step "S" {
      let name = "world"
      let a = "hello ${name}"
      let b = "escapes: \n \t \r \\ \" \$ \0 \u{1F600} end"
      let c = "dollar without brace $ and \${not interpolated}"
      let d = r"raw ${not} \n kept"
      let e = """
        multi-line
          indented ${name}
        """
      let f = r"""
        raw multi ${kept}
        """
      let g = "nested ${"inner ${name}"} ok"
      let h = "expr ${1 + 2 * 3} and call ${len([1])}"
      let i = ""
      let j = "unicode é ✓ 日本"
      log a, b, c, d, e, f, g, h, i, j
    }
  }
}
