#!/bin/bash
if [ -e /root/done ] && [ "$(pwd)" = / ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
