#!/usr/bin/env python3
"""tests/journal_verify.py: an independent check of a run journal's hash chain.

Usage: journal_verify.py JOURNAL...

Implements docs/journal.md from the text of the format, not from rbc's code:
every line is a JSON object ending in ,"prev":"P","hash":"H"} and a newline;
H is the SHA-256 of the line's bytes before ,"hash":; P is the previous
line's H (64 zeros on line 1).  Prints "FILE:LINE: why" for the first line
that does not verify and exits 1; exits 0 when every journal verifies.
"""
import hashlib
import json
import sys

ZERO = "0" * 64
KEY = b',"hash":"'


def verify(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return 0, "empty journal"
    lines = data.split(b"\n")
    if lines[-1] != b"":
        return len(lines), "truncated: no newline at the end"
    prev = ZERO
    for n, line in enumerate(lines[:-1], 1):
        tail = len(KEY) + 64 + 2
        if len(line) < tail or line[-tail:-tail + len(KEY)] != KEY or not line.endswith(b'"}'):
            return n, "no chain tail"
        try:
            obj = json.loads(line)
        except ValueError as e:
            return n, "not JSON: %s" % e
        if not isinstance(obj, dict):
            return n, "not an object"
        h = hashlib.sha256(line[:-tail]).hexdigest()
        if obj.get("hash") != h:
            return n, "hash does not match the line"
        if obj.get("prev") != prev:
            return n, "prev does not match the previous line"
        prev = h
    return None, None


def main():
    bad = 0
    for path in sys.argv[1:]:
        line, why = verify(path)
        if line is not None:
            print("%s:%d: %s" % (path, line, why))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
