# expect clean
# An indented line starting with a clause keyword continues the statement:
# the retry spec gets every, backoff and max from the lines below it.
# expect dump:
# | (retry @
# | (retry-spec @
# | (int 3 @
# | (duration 1000ms @
# | (int 2 @
# | (duration 10000ms @
# | (wait @
# | (duration 250ms @
# | (duration 60000ms @
fn f(ok) {
  retry 3
    every 1s
    backoff 2
    max 10s {
    log ok
  }
  wait until ok
    every 250ms
    timeout 1m
  return ok
}
