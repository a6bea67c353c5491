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
      let r = http.get("http://localhost/")
      let s = json.encode({a: [1, 2]})
      let v = json.parse(s)
      let b = http.bench("http://localhost/", requests: 10, concurrency: 2)
      let t = now()
      let u = t.unix
      let x = [len([1]), str(1), int("2"), float("2.5"), sum([1, 2]), min(1, 2), max(1, 2)]
      let y = [keys({a: 1}), contains("abc", "b"), join(["a"], ","), split("a,b", ",")]
      let z = [lower("A"), upper("a"), replace("aa", "a", "b"), matches("abc", "^a")]
      let w = [env("HOME"), exists("/tmp"), glob("/tmp/*"), read_file("/etc/hostname")]
      write_file("/tmp/rbc-test", "x")
      write_json("/tmp/rbc-test.json", {a: 1})
      remove("/tmp/rbc-test")
      log r, v, b, u, x, y, z, w
    }
  }
}
