#!/bin/bash
echo "this verifier forgot to write a reward"
