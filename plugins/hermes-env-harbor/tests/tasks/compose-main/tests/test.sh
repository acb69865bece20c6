#!/bin/bash
# The lone `main` service of environment/docker-compose.yaml: its environment, and a network.
reward=1
[ "$COMPOSE_FLAVOUR" = lone-main ] || { echo "compose environment missing"; reward=0; }
[ -e /sys/class/net/eth0 ] || { echo "no network although allow_internet defaults to true"; reward=0; }
echo $reward > /logs/verifier/reward.txt
