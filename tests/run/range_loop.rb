# range() and the counting loop `for i in range(...)`: the loop (compiled
# to FOR_RANGE / FOR_RANGE_NEXT, no list built) gives exactly the items of
# the list range() returns, iterated by the ordinary list loop; with steps,
# negative steps, empty ranges, assignment to the loop variable in the body,
# an early return, and in-place list filling (`x[i] = v` on an unshared list).
# exit: 0
runbook "range_loop" {
  fn counted(a, b, c) {
    let out = []
    for i in range(a, b, c) {
      out = out + [i]
      i = 1000
    }
    return out
  }
  fn listed(a, b, c) {
    let items = range(a, b, c)
    let out = []
    for i in items {
      out = out + [i]
      i = 1000
    }
    return out
  }
  fn first_over(limit) {
    for i in range(0, 100) {
      if i * i > limit {
        return i
      }
    }
    return null
  }
  fn squares(n) {
    let sq = range(0, n)
    for i in range(0, n) {
      sq[i] = i * i
    }
    return sq
  }
  phase "range" {
    step "same items" {
      let cases = [[0, 5, 1], [1, 10, 3], [10, 0, -1], [10, 1, -4], [5, 5, 1], [5, 0, 1],
                   [0, 5, -1], [-3, 3, 2], [9223372036854775806, 9223372036854775807, 5]]
      for c in cases {
        let x = counted(c[0], c[1], c[2])
        assert x == listed(c[0], c[1], c[2]), "loop and list differ for ${c}"
        log "range(${c[0]}, ${c[1]}, ${c[2]}) =", x
      }
      let two = []
      for i in range(2, 5) {
        two = two + [i]
      }
      log "range(2, 5) =", two, range(2, 5)
      let total = 0
      for i in range(1, 101) {
        total = total + i
      }
      log "sum 1..100 =", total
      log "first square over 50:", first_over(50)
      log "squares:", squares(6)
    }
  }
}
