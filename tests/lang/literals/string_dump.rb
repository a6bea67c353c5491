# expect clean
# Escapes are decoded; a multi-line string drops the first newline and the
# common indentation; interpolation splits the parts.
# expect dump:
# | (str-text "first\n  indented\nlast " @
# | (name a @
# | (str-text "tab\there 😀 $ \\ \"q\"" @
# | (string raw @
# | (str-text "no ${escapes} \\n" @
# | (duration 5400000ms @
# | (percent 0.05 @
# | (int 31 @
# | (int 1000 @
fn f(a) {
  let m = """
    first
      indented
    last ${a}
    """
  let e = "tab\there \u{1F600} \$ \\ \"q\""
  let r = r"no ${escapes} \n"
  let q = [1h30m, 5%, 0x1f, 1_000]
  return [m, e, r, q]
}
