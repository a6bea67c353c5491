# A library file: top-level fns only; function 0 returns null.
fn clamp(x, lo, hi) {
  if x < lo {
    return lo
  }
  if x > hi {
    return hi
  }
  return x
}

fn greet(who) {
  return "hello ${who}!"
}
