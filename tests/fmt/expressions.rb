fn exprs(a, b, c, x) {
  let p1 = ((a + b)) * c
  let p2 = a + (b * c)
  let p3 = -(-a)
  let p4 = not (a == b)
  let p5 = (not a) == b
  let p6 = (a ?? b) ?? c
  let p7 = a ?? (b ?? c)
  let p8 = a - (b - c)
  let p9 = (a - b) - c
  let p10 = (a + b).len
  let p11 = x[(1)]
  let p12 = (5%)
  let p13 = 10 % (3)
  let p14 = a and (b or c)
  let p15 = {"a key": 1, b: [1,2,
    3], c: {}}
  let p16 = [ ]
  let p17 = r"raw ${not interpolated}"
  let p18 = """
      kept as written
        ${a}
      """
  let p19 = a +
    b +
      c
  let p20 =
    a * 2
  x.y = 1; x[0] = 2
  return (a)
}
