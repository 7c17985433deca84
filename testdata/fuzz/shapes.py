#!/usr/bin/env python3
"""shapes.py DIR - hostile sequence files of every shape, each just under
drip's 1 MiB limit on a YAML file, written to DIR/sequences/NAME.yaml:

  flat       30,000 one-line steps in a row
  chain      zero-wait steps in a row, each in block style
  gotos      goto steps to missing targets (one error each)
  autos      one step with thousands of automations
  keys       one step with thousands of unknown keys
  flowmap    one step as a flow mapping of thousands of keys
  deep       block mappings nested as deep as the file allows
  deepflow   flow sequences nested as deep as the file allows
  longstr    one string of almost a mebibyte
  aliases    anchors and aliases (the "billion laughs")

Every file must lint in linear time and bounded memory: t1500 checks the
memory, `make bench` the time.
"""
import os
import sys

LIMIT = 1 << 20
ROOM = LIMIT - 256


def fill(head, line, tail=""):
    """head, then line(i) for i = 0, 1, ... while it fits, then tail."""
    out, size, i = [head], len(head) + len(tail), 0
    while True:
        s = line(i)
        if size + len(s) > ROOM:
            break
        out.append(s)
        size += len(s)
        i += 1
    out.append(tail)
    return "".join(out)


def shapes():
    yield "flat", fill("id: flat\nsteps:\n",
                       lambda i: "  - {id: s%d, type: delay, wait: 1d}\n" % i)
    yield "chain", fill("id: chain\nsteps:\n",
                        lambda i: "  - id: s%d\n    type: delay\n    wait: 0\n" % i)
    yield "gotos", fill("id: gotos\nsteps:\n",
                        lambda i: "  - id: s%d\n    type: goto\n    to: missing%d\n" % (i, i))
    yield "autos", fill("id: autos\nsteps:\n  - id: a\n    type: delay\n    wait: 1d\n"
                        "    automations:\n",
                        lambda i: "      - {id: x%d, on: pending, after: 1d, "
                                  "actions: [archive]}\n" % i)
    yield "keys", fill("id: keys\nsteps:\n  - id: a\n    type: delay\n    wait: 0\n",
                       lambda i: "    k%d: v\n" % i)
    yield "flowmap", fill("id: flowmap\nsteps:\n  - {id: a, type: delay, wait: 0",
                          lambda i: ", k%d: v" % i, "}\n")
    depth = ROOM // 8
    yield "deep", "id: deep\nsteps: []\nx:\n" + "".join(
        "  " * d + "k:\n" for d in range(1, min(depth, 700))) + "  " * 700 + "v\n"
    half = (ROOM - 64) // 2
    yield "deepflow", "id: deepflow\nsteps: []\nx: " + "[" * half + "]" * half + "\n"
    yield "longstr", ("id: longstr\nname: \"" + "x" * (ROOM - 120) + "\"\nsteps:\n"
                      "  - {id: a, type: delay, wait: 0}\n")
    lol = "id: aliases\nsteps: []\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for k in range(1, 12):
        lol += "a%d: &a%d [%s]\n" % (k, k, ", ".join(["*a%d" % (k - 1)] * 9))
    yield "aliases", lol


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: shapes.py DIR")
    seqs = os.path.join(sys.argv[1], "sequences")
    os.makedirs(seqs, exist_ok=True)
    for name, text in shapes():
        assert len(text.encode()) < LIMIT, name
        with open(os.path.join(seqs, name + ".yaml"), "w") as f:
            f.write(text)
        print(name)


if __name__ == "__main__":
    main()
