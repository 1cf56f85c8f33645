#!/bin/bash
# The output forms older Airplane CLIs and SDKs printed, and hand-written chunked lines.
set -eu
echo 'airplane_output "first"'
echo 'airplane_output {"n": 2}'
echo 'airplane_output:"named list" [1, 2]'
echo 'airplane_output:count 3'
echo 'airplane_output:count 4'
echo 'airplane_chunk:k1 airplane_output:jo'
echo 'log between chunks'
echo 'airplane_chunk:k1 ined "to'
echo 'airplane_chunk:k1 gether"'
echo 'airplane_chunk_end:k1'
echo 'airplane_output:bad-json not json at all'
