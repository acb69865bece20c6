#!/usr/bin/env python3
"""A stand-in for ``apptainer``: logs its argv, keeps instances as files, runs ``exec`` locally.

``--bind SRC:DST`` given at ``instance start`` is honoured by rewriting DST to SRC in ``exec``'s
arguments, so a command that works in the instance's ``/workspace`` works here too.
"""

import json
import os
import sys

log, state = os.environ["FAKE_APPTAINER_LOG"], os.environ["FAKE_APPTAINER_STATE"]
args = sys.argv[1:]
with open(log, "a") as f:
    f.write(json.dumps(args) + "\n")

if args[:1] == ["--version"]:
    print("apptainer version 1.3.0-fake")
    sys.exit(0)
if args[:2] == ["instance", "start"]:
    rest, binds = args[2:], {}
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag in ("--bind", "-B"):
            src, dst = rest.pop(0).split(":")
            binds[dst] = src
    image, name = rest
    if image.endswith("broken.sif"):
        print("FATAL: could not open image", file=sys.stderr)
        sys.exit(255)
    with open(os.path.join(state, name), "w") as f:
        json.dump({"image": image, "binds": binds}, f)
    sys.exit(0)
if args[:2] == ["instance", "stop"]:
    path = os.path.join(state, args[2])
    if not os.path.exists(path):
        print(f"FATAL: no instance found with name {args[2]}", file=sys.stderr)
        sys.exit(255)
    os.remove(path)
    sys.exit(0)
if args[:2] == ["instance", "list"]:
    names = [n for n in os.listdir(state) if len(args) < 3 or n == args[2]]
    print("INSTANCE NAME    PID    IP    IMAGE")
    print("\n".join(names))
    sys.exit(0)
if args[:1] == ["exec"]:
    rest = args[1:]
    while rest[0].startswith("-"):
        rest = rest[2:]
    target, command = rest[0], rest[1:]
    name = target.removeprefix("instance://")
    path = os.path.join(state, name)
    if not target.startswith("instance://") or not os.path.exists(path):
        print(f"FATAL: instance {name} does not exist", file=sys.stderr)
        sys.exit(255)
    with open(path) as f:
        binds = json.load(f)["binds"]
    for dst, src in binds.items():
        command = [part.replace(dst, src) for part in command]
    os.execvp(command[0], command)
print(f"fake apptainer: unsupported {args}", file=sys.stderr)
sys.exit(2)
