# A header comment, kept at the top.

# A second paragraph of the header.
runbook "comments" {   # on the brace line
  title "Comments everywhere"  # trailing, aligned with the next one
  owner   "team-ops"    # another trailing comment



  # own line, after three blank lines (they collapse to one)
  phase "P" {
    step "S" {
      # first in a block

      let k = f(
        1, # after an argument
        # before an argument
        2
      )
      let m = {
        a: 1,   # inside a map
        b: 2
      }
      if k {
      } # before else
      else {
        log "x"
      }
      wait until k == 1   # before a clause line
        every 1s timeout 5s
      # last in a block
    }
    # between steps, after the last one
  }
  # end of the runbook
}
# after everything
