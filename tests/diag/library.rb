# A library file (top-level fns): undefined names and a wrong arity.
fn error_rate(total, failed) {
  return faild / max(1, total)
}

fn twice(x) {
  return error_rate(x)
}
