# expect clean
# Operator precedence, loosest first: ?? or and not comparisons + - * / % unary - postfix.
# expect dump:
# | (binary ?? @24:11
# | (name a @24:11)
# | (binary or @24:16
# | (binary and @24:21
# | (unary not @24:27
# | (binary == @24:31
# | (binary + @24:36
# | (binary * @24:40
# | (unary - @24:44
# | (name a @24:45)
# | (binary - @25:11
# | (binary - @25:11
# | (name a @25:11)
# | (name b @25:15)
# | (name c @25:19)
# | (call @26:10
# | (index @26:10
# | (member m @26:10
# | (arg n @26:20
fn f(a, b, c) {
  let x = a ?? b or c and not a == b + c * -a
  let p = a - b - c
  return x.m[0](1, n: 2) ?? p
}
