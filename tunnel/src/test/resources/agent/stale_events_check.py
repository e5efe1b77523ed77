# Drives the Python agent's event handling directly (imported as a module, so main() does not
# run) through the select() batches that used to end a whole session under mixed resets.
# Usage: python3 stale_events_check.py PATH/TO/sshuttle_agent.py; prints one "ok" line per
# check, exits non-zero with the reason on the first failure.
import importlib.util
import os
import selectors
import socket
import struct
import sys

spec = importlib.util.spec_from_file_location("sshuttle_agent", sys.argv[1])
agent = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent)

OPTS = {"protocol": 2, "latency_control": False, "latency_buffer_size": 32768, "to_ns": None}
WAIT_S = 5.0


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def connect_payload(port):
    return ("%d,127.0.0.1,%d" % (socket.AF_INET, port)).encode("ascii")


def frames(mux):
    """(channel, command) of every frame the agent queued for the client."""
    out = b"".join(bytes(p) for p in mux.outq)
    found, pos = [], 0
    while pos + agent.HDR_LEN <= len(out):
        _, ch, cmd, n = agent.HDR.unpack_from(out, pos)
        found.append((ch, cmd))
        pos += agent.HDR_LEN + n
    return found


def batch_with_first(mux, first_sock, first_handler, want_fd):
    """One real select() batch holding want_fd's event, with first_sock's event put first (the
    kernel's order is not ours to choose)."""
    mux.sel.register(first_sock, selectors.EVENT_READ, first_handler)
    events = mux.sel.select(WAIT_S)
    fds = [k.fd for k, _ in events]
    if want_fd not in fds or first_sock.fileno() not in fds:
        raise AssertionError("select() did not report both events: %r" % fds)
    return sorted(events, key=lambda kv: kv[0].data is not first_handler)


def check(name, fn):
    fn()
    print("ok " + name)


def reset_then_stale_connect_event():
    """The client resets a channel (an earlier stdin event) whose connect completes in the same
    batch: its writable event must be skipped, not run on the closed socket."""
    mux = agent.Mux(OPTS)
    server = listener()
    a, b = socket.socketpair()
    b.send(b"x")
    ch = agent.TcpChannel(mux, 1, connect_payload(server.getsockname()[1]))
    fd = ch.fd

    def client_frames(mask):
        a.recv(1)
        mux.dispatch(1, agent.TCP_RESET, memoryview(b"reset by the application"))

    agent.handle_events(mux.sel, batch_with_first(mux, a, client_frames, fd))
    if 1 in mux.channels or not ch.closed:
        raise AssertionError("channel 1 should be freed by the reset")


def fd_reused_in_the_same_batch():
    """An earlier handler closes socket N and opens a new one that gets fd N again: neither the
    old handler nor the new socket's handler may run on the stale event."""
    mux = agent.Mux(OPTS)
    a, b = socket.socketpair()
    b.send(b"x")
    old, old_peer = socket.socketpair()
    old_peer.send(b"y")
    ran = []
    mux.sel.register(old, selectors.EVENT_READ, lambda mask: ran.append("old"))
    reused = []

    def close_and_reopen(mask):
        a.recv(1)
        fd = old.fileno()
        mux.sel.unregister(old)
        old.close()
        new, new_peer = socket.socketpair()
        reused.extend([new, new_peer])
        mux.sel.register(new, selectors.EVENT_WRITE, lambda mask: ran.append("new"))
        if new.fileno() != fd and new_peer.fileno() != fd:
            raise AssertionError("fd %d was not reused (%d, %d): the check proves nothing" % (
                fd, new.fileno(), new_peer.fileno()))

    agent.handle_events(mux.sel, batch_with_first(mux, a, close_and_reopen, old.fileno()))
    if ran:
        raise AssertionError("stale events ran handlers: %r" % ran)


def socket_error_ends_the_channel_not_the_session():
    """An unexpected OSError on one socket (here EBADF: its fd was closed behind our back)
    resets that channel and leaves the session running."""
    mux = agent.Mux(OPTS)
    server = listener()
    ch = agent.TcpChannel(mux, 3, connect_payload(server.getsockname()[1]))
    os.close(ch.sock.detach())
    ch.on_event(agent.EV_W)  # raised OSError out of the session before
    if not ch.closed or 3 in mux.channels:
        raise AssertionError("channel 3 should be freed after its socket error")
    if (3, agent.TCP_RESET) not in frames(mux):
        raise AssertionError("the client should get TCP_RESET for channel 3, got %r" % frames(mux))


check("reset then stale connect event", reset_then_stale_connect_event)
check("fd reused in the same batch", fd_reused_in_the_same_batch)
check("socket error ends the channel, not the session", socket_error_ends_the_channel_not_the_session)
