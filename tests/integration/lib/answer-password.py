#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# answer-password.py PROMPT PASSWORD COMMAND [ARG…]: runs COMMAND on a terminal (a pty),
# waits (at most 30 s) for PROMPT, types PASSWORD and Enter, prints everything the
# terminal showed, and exits with COMMAND's status. For the tests of a password asked
# for on a terminal (meow-cli --user, --proxy-user).
import os
import pty
import sys
import time

prompt, password = sys.argv[1].encode(), sys.argv[2]
command = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(command[0], command)
seen = b""
deadline = time.monotonic() + 30
while prompt not in seen and time.monotonic() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
os.write(fd, password.encode() + b"\n")
while time.monotonic() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
