#!/bin/bash
echo 41 > /app/answer.txt   # wrong on purpose: the reward must be 0
