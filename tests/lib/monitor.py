#!/usr/bin/python3
"""Send commands to a QEMU human monitor on a unix socket (tests only).

usage: monitor.py SOCKET COMMAND...   prints each command's answer; exits 1
when the socket does not answer within 60 s or an answer reports an error.
"""
import re
import socket
import sys

# the monitor echoes what it is sent, with terminal line editing
ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def read_prompt(s):
    data = b""
    while not data.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sys.argv[1])
    read_prompt(s)
    failed = False
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        answer = ESCAPES.sub("", read_prompt(s)).replace("\r", "")
        lines = [l for l in answer.split("\n")[1:] if l.strip() and l.strip() != "(qemu)"]
        print("(qemu) %s: %s" % (cmd, " / ".join(lines) or "done"))
        if "Error" in answer or "error" in answer or "not found" in answer:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
