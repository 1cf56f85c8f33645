#!/bin/bash
echo "token $AIRPLANE_TOKEN"
exec sleep 900
