# expect clean
fn a() {
  return b()
}
fn b() {
  return 1
}
