"""What every folder of the bot may use, importing no other folder: the error tree,
`Kind` (run or session), logging, the background-loop rule and the Prometheus metrics."""
