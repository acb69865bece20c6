#!/bin/bash
touch /root/done
