# Comparisons do not associate: `a < b < c` is a syntax error at the second `<`.
fn f(a, b, c) {
  return a < b < c             # expect error line 3 col 16: RB1001 ~ unexpected '<'
}
