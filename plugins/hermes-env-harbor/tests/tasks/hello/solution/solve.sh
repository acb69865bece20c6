#!/bin/bash
# The tests must not be visible while the agent works, and the agent runs as [agent] user: refuse otherwise.
if [ -e /tests ]; then echo "tests visible during the agent phase"; exit 1; fi
if [ "$(id -un)" != agent ]; then echo "solving as $(id -un), not agent"; exit 1; fi
printf '%s\n' "$GREETING" > /app/hello.txt
