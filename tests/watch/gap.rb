# A sample with no data breaks the streak (it is not "still holding"): the
# trigger fires only after holding again for its whole `for` window, here
# from the third sample (2m) to the fifth (4m).  Without --once the watch
# keeps going; --run stops it at the firing and runs the runbook (with its
# journal and lock), whose exit status is the watch's.
# command: watch
# args: --run --interval 1m
# exit: 0
import "../checklist/lib/series.rb"
runbook "watch-gap" {
  trigger auto "Error rate above 5%" when next_value("series/gap.txt") > 5% for 2m
  phase "Rollback" {
    step "Roll back" {
      log "rolling back"
    }
  }
}
