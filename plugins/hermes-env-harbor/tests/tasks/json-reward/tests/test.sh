#!/bin/bash
if [ -e /app/done ]; then r=1.0; else r=0.0; fi
printf '{"reward": %s, "style": 0.5}\n' "$r" > /logs/verifier/reward.json
