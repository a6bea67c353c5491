# Under --yes manual items are not asked: recorded unconfirmed by --yes.
# The tty format lists the checklist under its name and counts checks in
# the summary.
# format: tty
# args: --yes
# clock: real
# contains: Checklist  Communication
# contains: ?    Stakeholders informed                    unconfirmed (--yes)
# contains: ok   Status page is green                     pass (verify)
# contains: Checks:  1 pass, 2 unconfirmed
# exit: 0
runbook "checklist-yes" {
  phase "Rollback" {
    step "Deploy" {
      confirm "Deploy the previous version?"
    }
  }
  checklist "Communication" {
    item "Stakeholders informed"
    item "Incident channel updated"
    item "Status page is green" verify true
  }
}
