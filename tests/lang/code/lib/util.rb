# expect clean
# A library file: top-level functions only.
fn twice(x) {
  return x * 2
}

fn greet(who) {
  return "hello ${who}"
}
