#!/bin/bash
echo "started"
# A child process too: a timeout must end the whole process group.
sleep 120 &
sleep 120
