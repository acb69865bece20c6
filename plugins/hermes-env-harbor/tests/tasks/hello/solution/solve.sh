#!/bin/bash
# The tests must not be visible while the agent works: refuse to solve if they are.
if [ -e /tests ]; then echo "tests visible during the agent phase"; exit 1; fi
printf '%s\n' "$GREETING" > /app/hello.txt
