#!/usr/bin/python3
"""gen-aws-models.py: trim botocore's service models into stdlib/aws/models/.

rbc needs, per service, only what encoding a call and decoding its reply
takes: the protocol metadata, every operation's HTTP binding and shapes, the
shapes reachable from them (types, members with their wire locations and
names, list/map element shapes, required members, enums, timestamp formats)
and the paginators.  Documentation, validation limits, errors and examples
are dropped.  The output is byte-for-byte reproducible: sorted keys, a fixed
indent, a final newline.

Usage: scripts/gen-aws-models.py [--data DIR] [--out DIR]
  --data  botocore's data directory
          (default: /usr/lib/python3/dist-packages/botocore/data)
  --out   where <service>.json files go (default: stdlib/aws/models next to
          this script's repository root)

Each operation also carries "py", its boto3 name (botocore.xform_name,
e.g. DescribeServices -> describe_services), so the C side needs no copy of
those rules.  Exit status: 0, or 1 with a message when a model is missing.
"""

import argparse
import gzip
import json
import os
import sys

SERVICES = ["sns", "elbv2", "ecs", "cloudwatch", "rds", "autoscaling", "ssm",
            "appconfig", "s3", "sts", "logs"]

META_KEYS = ["protocol", "endpointPrefix", "signingName", "targetPrefix",
             "jsonVersion", "apiVersion", "globalEndpoint", "serviceId",
             "xmlNamespace"]
SHAPE_KEYS = ["type", "required", "enum", "flattened", "payload",
              "timestampFormat", "locationName", "xmlNamespace", "streaming",
              "union", "wrapper", "event", "eventstream"]
REF_KEYS = ["shape", "location", "locationName", "flattened", "xmlNamespace",
            "xmlAttribute", "timestampFormat", "streaming", "idempotencyToken",
            "jsonvalue", "hostLabel", "queryName"]
PAGINATOR_KEYS = ["input_token", "output_token", "limit_key", "result_key",
                  "more_results", "non_aggregate_keys"]

def xform_name(name):
    """boto3's snake_case for an operation name: botocore's own xform_name."""
    from botocore import xform_name as real  # pylint: disable=import-outside-toplevel
    return real(name)


def load_json(path):
    """A model file, plain or .gz; None when neither exists."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    return None


def latest_dir(data, service):
    """The newest API version directory of a service (botocore's default)."""
    base = os.path.join(data, service)
    versions = sorted(v for v in os.listdir(base)
                      if os.path.isdir(os.path.join(base, v)))
    if not versions:
        raise FileNotFoundError(base)
    return os.path.join(base, versions[-1])


def trim_ref(ref):
    return {k: ref[k] for k in REF_KEYS if k in ref}


def trim_shape(shape):
    out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
    if "members" in shape:
        out["members"] = {n: trim_ref(r) for n, r in shape["members"].items()}
    for k in ("member", "key", "value"):
        if k in shape:
            out[k] = trim_ref(shape[k])
    return out


def reachable(shapes, roots):
    """Names of every shape reachable from roots."""
    seen = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in shapes:
            continue
        seen.add(name)
        shape = shapes[name]
        for ref in shape.get("members", {}).values():
            todo.append(ref["shape"])
        for k in ("member", "key", "value"):
            if k in shape:
                todo.append(shape[k]["shape"])
    return seen


def trim_operation(op):
    out = {"http": {k: op["http"][k] for k in ("method", "requestUri", "responseCode")
                    if k in op["http"]},
           "py": xform_name(op["name"])}
    for k in ("input", "output"):
        if k in op:
            out[k] = {x: op[k][x] for x in ("shape", "resultWrapper", "locationName",
                                             "xmlNamespace") if x in op[k]}
    if op.get("httpChecksum", {}).get("requestChecksumRequired"):
        out["checksumRequired"] = True
    return out


def trim_paginators(pag):
    out = {}
    for name, p in sorted(pag.get("pagination", {}).items()):
        out[name] = {k: p[k] for k in PAGINATOR_KEYS if k in p}
    return out


def trim_model(model, paginators):
    ops = {name: trim_operation(op) for name, op in model["operations"].items()}
    roots = []
    for op in model["operations"].values():
        for k in ("input", "output"):
            if k in op:
                roots.append(op[k]["shape"])
    keep = reachable(model["shapes"], roots)
    meta = {k: model["metadata"][k] for k in META_KEYS if k in model["metadata"]}
    return {
        "metadata": meta,
        "operations": ops,
        "shapes": {n: trim_shape(model["shapes"][n]) for n in sorted(keep)},
        "paginators": trim_paginators(paginators or {}),
    }


def render(obj):
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/usr/lib/python3/dist-packages/botocore/data")
    ap.add_argument("--out", default=os.path.join(here, "..", "stdlib", "aws", "models"))
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for svc in SERVICES:
        try:
            d = latest_dir(args.data, svc)
        except (FileNotFoundError, NotADirectoryError):
            print("gen-aws-models: no botocore model for %s in %s" % (svc, args.data),
                  file=sys.stderr)
            return 1
        model = load_json(os.path.join(d, "service-2.json"))
        if model is None:
            print("gen-aws-models: %s has no service-2.json" % d, file=sys.stderr)
            return 1
        pag = load_json(os.path.join(d, "paginators-1.json"))
        text = render(trim_model(model, pag))
        with open(os.path.join(args.out, svc + ".json"), "w", encoding="utf-8",
                  newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
