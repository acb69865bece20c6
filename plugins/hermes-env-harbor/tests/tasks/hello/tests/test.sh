#!/bin/bash
# Reward 1 when /app/hello.txt holds the greeting, run as `tester` with [verifier.env], offline.
reward=1
expected=$(cat /tests/expected.txt)
[ "$EXPECTED_GREETING" = "$expected" ] || { echo "verifier env missing: '$EXPECTED_GREETING'"; reward=0; }
[ "$(cat /app/hello.txt 2>/dev/null)" = "$expected" ] || { echo "hello.txt is wrong"; reward=0; }
[ "$(id -un)" = tester ] || { echo "run as $(id -un), not tester"; reward=0; }
[ "$(ls /sys/class/net)" = lo ] || { echo "network interfaces: $(ls /sys/class/net)"; reward=0; }
echo "reward $reward"
echo $reward > /logs/verifier/reward.txt
