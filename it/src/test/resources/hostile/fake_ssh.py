#!/usr/bin/env python3
"""A hostile sshuttle server, started by the client as its ssh (-e "python3 fake_ssh.py MODE ARG").

The client calls it as `<ssh-cmd> -G DEST` (to learn the server's address) and as
`<ssh-cmd> DEST -- COMMAND` (the session: the mux on stdin/stdout). Every loop is bounded
(LIFETIME_S); it never touches anything but its own stdio and the GO file it polls.

Modes (MODE ARG):
  ping-flood GO_FILE  never reads stdin; header, PING chicken, empty ROUTES; once GO_FILE
                      exists, PINGs with 64 KiB payloads as fast as the pipe takes them
  routes LINES        reads and drops stdin; header, PING chicken, ROUTES with LINES (';'
                      separated), then silence
  stall               never reads stdin; header, PING chicken, empty ROUTES, then silence
  no-routes           reads and drops stdin; header, PING chicken, then answers nothing
  mute                reads and drops stdin, writes nothing: an ssh that connected to a remote
                      stuck before the agent runs
  hosts HEX           reads and drops stdin; header, PING chicken, empty ROUTES, then a
                      HOST_LIST of the hex-decoded bytes (any bytes: newlines, shell
                      characters), once the client sent something (its HOST_REQ), then silence
"""
import os
import struct
import sys
import threading
import time

LIFETIME_S = 60
HEADER = b"\0\0SSHUTTLE0002"
PING, ROUTES, HOST_LIST = 0x4201, 0x4207, 0x4209


def frame(ch, cmd, payload=b""):
    return struct.pack("!ccHHH", b"S", b"S", ch, cmd, len(payload)) + payload


def write(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def drop_stdin():
    def run():
        deadline = time.monotonic() + LIFETIME_S
        while time.monotonic() < deadline and os.read(0, 65536):
            pass
    threading.Thread(target=run, daemon=True).start()


def main(argv):
    if "-G" in argv:  # ssh -G DEST: say where the "server" is
        dest = argv[-1]
        print("hostname " + dest.split("@")[-1])
        return 0
    mode = argv[0]
    arg = argv[1] if len(argv) > 1 and argv[1] != "--" and "@" not in argv[1] else ""
    deadline = time.monotonic() + LIFETIME_S
    if mode in ("routes", "no-routes", "hosts", "mute"):
        drop_stdin()
    if mode == "mute":
        while time.monotonic() < deadline:
            time.sleep(0.1)
        return 0
    write(HEADER + frame(0, PING, b"chicken"))
    if mode == "no-routes":
        while time.monotonic() < deadline:
            time.sleep(0.1)
        return 0
    routes = "".join(line + "\n" for line in arg.split(";") if line) if mode == "routes" else ""
    write(frame(0, ROUTES, routes.encode()))
    if mode == "hosts":
        time.sleep(1)  # after the client's firewall is up (it sends HOST_REQ then)
        write(frame(0, HOST_LIST, bytes.fromhex(arg)))
    if mode == "ping-flood":
        while time.monotonic() < deadline and not os.path.exists(arg):
            time.sleep(0.05)
        ping = frame(0, PING, b"x" * 65535)
        for _ in range(100000):  # 6.5 GB at most; the client ends it long before
            if time.monotonic() >= deadline:
                break
            write(ping)
        return 0
    while time.monotonic() < deadline:
        time.sleep(0.1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
