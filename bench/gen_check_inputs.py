#!/usr/bin/env python3
"""Write N equivalent runbooks and Ansible playbooks for bench/check-lint.sh.

usage: gen_check_inputs.py OUTDIR [N]

OUTDIR/rb/rb_NNNN.rb   an rbc runbook: metadata, params, a secret, three
                       phases with shell steps, an HTTP health check under
                       a retry, a wait, a confirm gate and a troubleshoot
OUTDIR/pb/pb_NNNN.yml  the same procedure as an Ansible playbook on
                       localhost: shell/command tasks, uri with until/retries,
                       wait_for, pause (the gate), a rescue block

Every tenth file carries the same two findings in both languages: a
command whose failure is ignored (`check: false` / `ignore_errors: true`)
and an unused variable or parameter, so each linter has something to
report.  The files differ by their numbers only, so no tool gets a cache
advantage from content.
"""

import os
import sys

RUNBOOK = """\
runbook "svc-{n:04d}" {{
  title       "Service {n} rollback"
  criticality high
  expected    15m
  rpo         5m
  rto         15m
  owner       "team-{team}"
  tested      "2026-11-01"
  review      90d
  status      approved

  param host    = "127.0.0.1"
  param port    = {port}
  param version = "1.{n}.0"
  secret token  = env("TOKEN_{n}")
{extra_param}
  phase "Prepare" within 3m {{
    step "Capture state" {{
      let before = http.get("http://${{host}}:${{port}}/state", timeout: 10s)
      write_json("state-{n}.json", before.json)
    }}
    step "Announce" {{
      log "rolling back svc-{n:04d} to ${{version}}"
    }}
  }}

  phase "Roll back" within 7m {{
    step "Stop traffic" on failure troubleshoot "Traffic stuck" {{
      confirm "Drain svc-{n:04d} on ${{host}}?"
      sh("drain --service svc-{n:04d} --host ${{host}}", env: {{TOKEN: token}}, timeout: 1m)
    }}
    step "Deploy previous" on failure abort {{
      sh("deploy --service svc-{n:04d} --version ${{version}}", timeout: 3m{ignore})
      wait until http.get("http://${{host}}:${{port}}/ready").status == 200 every 5s timeout 2m
    }}
  }}

  phase "Validate" within 5m {{
    step "Health" retry 5 every 10s {{
      assert http 200 "http://${{host}}:${{port}}/health"
    }}
    step "Version" {{
      let r = http.get("http://${{host}}:${{port}}/version")
      assert r.body == version, "version is ${{r.body}}"
    }}
  }}

  troubleshoot "Traffic stuck" {{
    sh("drain --service svc-{n:04d} --force", env: {{TOKEN: token}})
  }}
}}
"""

PLAYBOOK = """\
---
- name: Service {n} rollback
  hosts: localhost
  gather_facts: false
  vars:
    target_host: 127.0.0.1
    target_port: {port}
    target_version: 1.{n}.0
    token: "{{{{ lookup('ansible.builtin.env', 'TOKEN_{n}') }}}}"
{extra_var}
  tasks:
    - name: Capture state
      ansible.builtin.uri:
        url: "http://{{{{ target_host }}}}:{{{{ target_port }}}}/state"
        timeout: 10
        return_content: true
      register: before

    - name: Save state
      ansible.builtin.copy:
        content: "{{{{ before.json | to_json }}}}"
        dest: ./state-{n}.json
        mode: "0600"

    - name: Announce
      ansible.builtin.debug:
        msg: "rolling back svc-{n:04d} to {{{{ target_version }}}}"

    - name: Confirm drain
      ansible.builtin.pause:
        prompt: "Drain svc-{n:04d} on {{{{ target_host }}}}?"

    - name: Roll back
      block:
        - name: Stop traffic
          ansible.builtin.command: drain --service svc-{n:04d} --host {{{{ target_host }}}}
          environment:
            TOKEN: "{{{{ token }}}}"
          changed_when: true

        - name: Deploy previous
          ansible.builtin.command: deploy --service svc-{n:04d} --version {{{{ target_version }}}}
          changed_when: true{ignore}

        - name: Wait until ready
          ansible.builtin.uri:
            url: "http://{{{{ target_host }}}}:{{{{ target_port }}}}/ready"
            status_code: 200
          register: ready
          until: ready.status == 200
          retries: 24
          delay: 5
      rescue:
        - name: Traffic stuck
          ansible.builtin.command: drain --service svc-{n:04d} --force
          environment:
            TOKEN: "{{{{ token }}}}"
          changed_when: true

    - name: Health
      ansible.builtin.uri:
        url: "http://{{{{ target_host }}}}:{{{{ target_port }}}}/health"
        status_code: 200
      register: health
      until: health.status == 200
      retries: 5
      delay: 10

    - name: Version
      ansible.builtin.uri:
        url: "http://{{{{ target_host }}}}:{{{{ target_port }}}}/version"
        return_content: true
      register: r

    - name: Check version
      ansible.builtin.assert:
        that: r.content == target_version
        fail_msg: "version is {{{{ r.content }}}}"
"""


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: gen_check_inputs.py OUTDIR [N]\n")
        return 64
    out, n_files = argv[1], int(argv[2]) if len(argv) > 2 else 1000
    for sub in ("rb", "pb"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for n in range(n_files):
        flawed = n % 10 == 0
        rb = RUNBOOK.format(
            n=n, team=n % 7, port=8000 + n % 1000,
            extra_param='  param unused_{0} = "x"\n'.format(n) if flawed else "",
            ignore=", check: false" if flawed else "")
        pb = PLAYBOOK.format(
            n=n, port=8000 + n % 1000,
            extra_var="    unused_{0}: x\n".format(n) if flawed else "",
            ignore="\n          ignore_errors: true" if flawed else "")
        with open(os.path.join(out, "rb", "rb_%04d.rb" % n), "w") as f:
            f.write(rb)
        with open(os.path.join(out, "pb", "pb_%04d.yml" % n), "w") as f:
            f.write(pb)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
