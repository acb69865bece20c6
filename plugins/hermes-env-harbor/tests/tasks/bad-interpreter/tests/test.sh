#!/usr/bin/python3
print("the minimal image has no python3")
