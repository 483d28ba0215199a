#!/bin/sh
# the PufferPanel fixture's game (served by the local fixture server): INT saves and exits cleanly
trap 'echo "caught SIGINT, saving $(cat greeting.txt)"; kill $pid 2>/dev/null; exit 0' INT
echo "booting for $1 players motd=$(cat greeting.txt)"
read -r line
echo "got $line"
echo "Done (0.42s)! For help, type help"
while :; do sleep 3600 & pid=$!; wait $pid; done
