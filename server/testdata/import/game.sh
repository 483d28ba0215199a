#!/bin/sh
# the native template's game (written by its install): INT saves and exits cleanly; the ready
# line comes only after the "go" command, so a test sees "starting" first
trap 'echo "caught SIGINT, saving $(cat greeting.txt)"; kill $pid 2>/dev/null; exit 0' INT
echo "booting with $(grep '^server-port=' server.properties) motd=$(grep '^motd=' server.properties | cut -d= -f2-)"
read -r line
echo "got $line"
echo "Done (0.42s)! For help, type help"
while :; do sleep 3600 & pid=$!; wait $pid; done
