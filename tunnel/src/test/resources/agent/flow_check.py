# Drives the Python agent's 0002 flow machinery directly (imported as a module, so main() does
# not run): ack probes and bytes in flight, the limit from RTT and rate samples, control frames
# ahead of queued data, read scheduling (new flows first, deficit round robin, the sparse slack
# at a shut gate), the blocked signal (TCP_WINDOW 0) and window growth on it, also at a
# simulated 50 ms round trip on a fake clock (docs/protocol.md, "0002: bytes in flight and window
# growth"). stdout of the agent is a fake writev that keeps what it was given, so partial
# writes are exact. Usage: python3 flow_check.py PATH/TO/sshuttle_agent.py; prints one "ok"
# line per check, exits non-zero with the reason on the first failure.
import fcntl
import importlib.util
import os
import random
import select
import socket
import struct
import sys
import termios
import threading
import time

spec = importlib.util.spec_from_file_location("sshuttle_agent", sys.argv[1])
agent = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent)

V2 = {"protocol": 2, "latency_control": False, "latency_buffer_size": 32768, "to_ns": None}
V1 = {"protocol": 1, "latency_control": False, "latency_buffer_size": 32768, "to_ns": None}
WAIT_S = 5.0
KiB = 1024


class Wire:
    """The agent's fd 1: takes at most `room` bytes per writev (None: everything)."""

    def __init__(self):
        self.data = bytearray()
        self.room = None
        self.parsed = []   # frames() so far, and where they end: the stream only grows
        self.parsed_to = 0

    def writev(self, fd, iov):
        if fd != 1:
            raise AssertionError("writev to fd %d" % fd)
        total = sum(len(b) for b in iov)
        n = total if self.room is None else min(self.room, total)
        if n == 0 and total:
            raise BlockingIOError()
        left = n
        for b in iov:
            if not left:
                break
            take = min(left, len(b))
            self.data += bytes(b[:take])
            left -= take
        if self.room is not None:
            self.room -= n
        return n

    def frames(self):
        """(channel, command, payload, end offset) of every whole frame written."""
        out, pos = self.parsed, self.parsed_to
        while pos + agent.HDR_LEN <= len(self.data):
            magic, ch, cmd, n = agent.HDR.unpack_from(self.data, pos)
            if magic != agent.MAGIC:
                raise AssertionError("bad magic at stream offset %d: the stream is torn" % pos)
            if pos + agent.HDR_LEN + n > len(self.data):
                break
            end = pos + agent.HDR_LEN + n
            out.append((ch, cmd, bytes(self.data[pos + agent.HDR_LEN:end]), end))
            pos = end
        self.parsed_to = pos
        return list(out)


class OsWithWire:
    def __init__(self, wire):
        self.writev = wire.writev

    def __getattr__(self, name):
        return getattr(os, name)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


class SelectorWithoutStdout:
    """The mux's selector, with fd 1 (the fake wire) left out of it."""

    def __init__(self, real):
        self.real = real

    def register(self, fd, events, data=None):
        return None if fd == 1 else self.real.register(fd, events, data)

    def unregister(self, fd):
        return None if fd == 1 else self.real.unregister(fd)

    def __getattr__(self, name):
        return getattr(self.real, name)


def new_mux(opts=V2):
    wire = Wire()
    agent.os = OsWithWire(wire)
    mux = agent.Mux(opts)
    mux.sel = SelectorWithoutStdout(mux.sel)
    return mux, wire


def check(name, fn):
    fn()
    print("ok " + name)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    return s


def connected_channel(mux, ch=1):
    """A TcpChannel connected to a fresh listener, and the accepted peer socket."""
    server = listener()
    payload = ("%d,127.0.0.1,%d" % (socket.AF_INET, server.getsockname()[1])).encode("ascii")
    c = agent.TcpChannel(mux, ch, payload)
    peer, _ = server.accept()
    server.close()
    _, w, _ = select.select([], [c.sock], [], WAIT_S)
    expect(w, "the agent's connect did not complete")
    c.on_event(agent.EV_W)
    expect(not c.connecting, "channel still connecting")
    return c, peer


def send_quietly(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass  # the check is over and closed the channel


def pong(mux, payload):
    mux.dispatch(0, agent.PONG, memoryview(payload))


def ack_probes(wire):
    return [(p, end) for ch, cmd, p, end in wire.frames()
            if cmd == agent.PING and len(p) == agent.PROBE_LEN and p.startswith(b"ack")]


# ---------- ack probes ----------
def probes_bound_the_bytes_in_flight():
    """A bulk socket is read until in_flight reaches the 256 KiB limit; each probe carries the
    stream offset of its own end; our probes' PONGs lower in_flight and open the gate."""
    mux, wire = new_mux()
    mux.send(0, agent.PING, b"chicken")
    c, peer = connected_channel(mux)
    c.got_window(agent.MAX_WINDOW)  # the channel's credit is not what stops it here
    threading.Thread(target=send_quietly, args=(peer, bytes(4 * 1024 * KiB)), daemon=True).start()
    # the source is a thread: held back a millisecond on a busy machine, it would leave the socket
    # empty that long, and the channel would come back as a new (sparse) flow with the slack past
    # the limit; this check is about the limit alone
    idle, agent.SPARSE_IDLE_S = agent.SPARSE_IDLE_S, 60.0
    try:
        while mux.may_read():
            r, _, _ = select.select([c.sock], [], [], 1.0)
            if not r:
                break  # all 4 MiB read: no gate shut
            c.on_event(agent.EV_R)  # marks the channel ready; the turn's end reads it
            turn(mux, wire)
    finally:
        agent.SPARSE_IDLE_S = idle
    in_flight = mux.out_offset - mux.acked
    expect(not mux.may_read(), "the gate never shut; in flight %d" % in_flight)
    expect(agent.LIMIT_MIN <= in_flight <= agent.LIMIT_MIN + agent.HDR_LEN + agent.MAX_PAYLOAD + 2 * 19,
           "in flight %d at the shut gate (limit %d)" % (in_flight, agent.LIMIT_MIN))
    expect(len(wire.data) == mux.out_offset, "out_offset %d, stream %d" % (mux.out_offset, len(wire.data)))
    probes = ack_probes(wire)
    expect(2 <= len(probes) <= agent.PROBES_MAX, "%d probes for %d bytes" % (len(probes), in_flight))
    for p, end in probes:
        expect(struct.unpack("!Q", p[3:])[0] == end, "probe says %d, it ends at %d" % (
            struct.unpack("!Q", p[3:])[0], end))
    expect(len(mux.probes) == len(probes), "outstanding %d, sent %d" % (len(mux.probes), len(probes)))

    # not ours: a PONG that looks like a probe but names no probe of ours changes nothing
    pong(mux, b"ack" + struct.pack("!Q", probes[0][1] + 1))
    pong(mux, b"chicken")
    expect(mux.acked == 0 and len(mux.probes) == len(probes), "a foreign PONG moved acked to %d" % mux.acked)

    before = mux.out_offset - mux.acked
    pong(mux, probes[0][0])
    expect(mux.acked == probes[0][1], "acked %d after the first probe's PONG (end %d)" % (mux.acked, probes[0][1]))
    expect(mux.out_offset - mux.acked < before, "in flight did not drop")
    for p, _ in probes[1:]:
        pong(mux, p)
    expect(mux.acked == probes[-1][1] and not mux.probes, "acked %d, %d probes left" % (mux.acked, len(mux.probes)))
    expect(mux.may_read(), "the gate stayed shut after the PONGs: in flight %d, limit %d" % (
        mux.out_offset - mux.acked, mux.limit))
    expect(mux.min_rtt is not None and mux.limit >= agent.LIMIT_MIN, "no sample taken")

    # the peer's probes are answered with the same payload, at once
    theirs = b"ack" + struct.pack("!Q", 123456789)
    mux.dispatch(0, agent.PING, memoryview(theirs))
    mux.flush()
    expect(wire.frames()[-1][:3] == (0, agent.PONG, theirs), "the peer's probe got %r" % (wire.frames()[-1][:3],))
    c.free()
    peer.close()


def a_shut_gate_always_has_a_probe():
    """in_flight >= limit with no probe outstanding (say, no data frames to trigger one):
    check_gates sends one, so the gate gets its answer."""
    mux, wire = new_mux()
    for _ in range(5):
        mux.send(3, agent.UDP_DATA, bytes(60000))  # bytes in flight that trigger no probe
    mux.probe_at = mux.out_offset  # as if the last probe had just gone
    mux.check_gates()
    expect(len(mux.probes) == 1, "%d probes at a shut gate" % len(mux.probes))
    mux.check_gates()
    expect(len(mux.probes) == 1, "a second probe while one is outstanding")
    mux.flush()
    probe = ack_probes(wire)[-1]
    pong(mux, probe[0])
    expect(mux.acked == mux.out_offset and mux.may_read(), "acked %d of %d" % (mux.acked, mux.out_offset))


def at_most_eight_probes():
    mux, wire = new_mux()
    for _ in range(40):
        mux.send(1, agent.TCP_DATA, bytes(65535))
        mux.check_gates()
    expect(len(mux.probes) == agent.PROBES_MAX, "%d probes outstanding" % len(mux.probes))


# ---------- measurements ----------
def samples_set_the_limit():
    clock = Clock()
    agent.time = clock
    try:
        mux, wire = new_mux()

        block = bytes(65535)

        def round_trip(nbytes, rtt):
            sent = 0
            while sent < nbytes:
                n = min(65535, nbytes - sent)
                mux.send(1, agent.TCP_DATA, memoryview(block)[:n])
                sent += n
            mux.probe_at = -10 ** 9  # a probe now, whatever was sent
            mux.probes.clear()
            end = mux.out_offset + agent.HDR_LEN + agent.PROBE_LEN
            mux.probe()
            clock.now += rtt
            pong(mux, b"ack" + struct.pack("!Q", end))
            return end

        expect(mux.limit == agent.LIMIT_MIN, "limit before any sample: %d" % mux.limit)
        a0 = mux.acked
        end = round_trip(1000000, 0.010)
        rate = (end - a0) / 0.010
        expect(abs(mux.min_rtt - 0.010) < 1e-9, "min_rtt %r" % mux.min_rtt)
        expect(abs(mux.limit - int(2 * rate * 0.010)) <= 1, "limit %d, expected %d" % (mux.limit, int(2 * rate * 0.010)))
        first_limit = mux.limit

        # a longer round trip keeps the smaller minimum; a slower rate keeps the larger maximum
        round_trip(100000, 0.020)
        expect(abs(mux.min_rtt - 0.010) < 1e-9, "min_rtt rose to %r" % mux.min_rtt)
        expect(mux.limit == first_limit, "limit %d after a slower sample, was %d" % (mux.limit, first_limit))

        # the floor of 50 microseconds, and the 256 KiB clamp
        round_trip(1000, 0.0)
        expect(abs(mux.min_rtt - 50e-6) < 1e-12, "min_rtt %r under the floor" % mux.min_rtt)
        # the fast sample is older than 2 s now: a slow one sets the limit alone
        clock.now += 2.5
        round_trip(1000, 0.001)
        expect(mux.limit == agent.LIMIT_MIN, "limit %d after the fast sample expired" % mux.limit)

        # and the 32 MiB clamp: 50 MB in 50 us (the floor) is 1 TB/s (the rate's interval starts
        # at the last answer, which came at this very instant)
        round_trip(50 * 1000 * 1000, 0.0)
        expect(mux.limit == agent.LIMIT_MAX, "limit %d at 1 TB/s x 50 us x 2" % mux.limit)
        expect(mux.probe_every == agent.LIMIT_MAX // 4, "probe spacing %d" % mux.probe_every)
    finally:
        agent.time = __import__("time")


# ---------- control frames first ----------
def data_frames(mux, n, size=1000):
    for i in range(n):
        mux.send(1, agent.TCP_DATA, bytes([i]) * size)


def order_after(mux, wire, room):
    """Queues 4 data frames, lets `room` bytes out, queues a PONG, lets everything out."""
    data_frames(mux, 4)
    wire.room = room
    mux.flush(writable=True)  # the pipe has room: the selector says so
    mux.dispatch(0, agent.PING, memoryview(b"interactive"))
    wire.room = None
    mux.flush(writable=True)  # the pipe has room: the selector says so
    expect(not mux.outq, "left in the queue: %d items" % len(mux.outq))
    return [("PONG" if cmd == agent.PONG else "D%d" % p[0]) for ch, cmd, p, end in wire.frames()]


def pong_overtakes_queued_data():
    frame = agent.HDR_LEN + 1000
    cases = [
        (0, ["PONG", "D0", "D1", "D2", "D3"]),                   # nothing written yet
        (frame, ["D0", "PONG", "D1", "D2", "D3"]),              # at a frame boundary
        (frame + 4, ["D0", "D1", "PONG", "D2", "D3"]),          # inside a header
        (frame + agent.HDR_LEN, ["D0", "D1", "PONG", "D2", "D3"]),  # header out, payload not
        (frame + 500, ["D0", "D1", "PONG", "D2", "D3"]),        # inside a payload
    ]
    for room, want in cases:
        mux, wire = new_mux()
        got = order_after(mux, wire, room)
        expect(got == want, "after %d bytes written: %s, expected %s" % (room, got, want))
    # 0001 keeps the order: latency control measures the queue with its PONGs
    mux, wire = new_mux(V1)
    got = order_after(mux, wire, frame)
    expect(got == ["D0", "D1", "D2", "D3", "PONG"], "0001 order %s" % got)


def control_frames_keep_every_frame_whole():
    """Random partial writes with data and control frames queued in between: the stream stays
    whole frames, data keeps its order, control frames keep theirs and never wait behind data
    that had not started when they were queued."""
    rnd = random.Random(5)
    for _ in range(300):
        mux, wire = new_mux()
        data_seq = ctl_seq = 0
        started_before = {}   # control frame -> data frames started on the wire when it was queued
        for _ in range(rnd.randint(1, 40)):
            r = rnd.random()
            if r < 0.5:
                size = rnd.choice([0, 1, 7, 8, 9, 100, 3000])
                mux.send(1, agent.TCP_DATA, struct.pack("!I", data_seq) + bytes(size))
                data_seq += 1
            elif r < 0.7:
                # data frames with any byte on the wire now
                on_wire = sum(1 for ch, cmd, p, end in wire.frames() if cmd == agent.TCP_DATA)
                torn = len(wire.data) > (wire.frames()[-1][3] if wire.frames() else 0)
                started_before[ctl_seq] = on_wire + (1 if torn else 0)
                mux.send_ctl(0, agent.PONG, struct.pack("!I", ctl_seq))
                ctl_seq += 1
            elif r < 0.8:
                mux.send(0, agent.TCP_EOF)
            else:
                wire.room = rnd.randint(0, 5000)
                mux.flush(writable=True)  # the pipe has room: the selector says so
        wire.room = None
        mux.flush(writable=True)  # the pipe has room: the selector says so
        expect(len(wire.data) == mux.out_offset, "stream %d bytes, out_offset %d" % (len(wire.data), mux.out_offset))
        frames = wire.frames()
        expect(frames and frames[-1][3] == len(wire.data), "the stream does not end on a frame")
        datas = [struct.unpack("!I", p[:4])[0] for ch, cmd, p, end in frames if cmd == agent.TCP_DATA]
        ctls = [struct.unpack("!I", p)[0] for ch, cmd, p, end in frames if cmd == agent.PONG]
        expect(datas == list(range(data_seq)), "data order %s" % datas)
        expect(ctls == list(range(ctl_seq)), "control order %s" % ctls)
        seen_data = 0
        for ch, cmd, p, end in frames:
            if cmd == agent.TCP_DATA:
                seen_data += 1
            elif cmd == agent.PONG:
                k = struct.unpack("!I", p)[0]
                expect(seen_data <= started_before[k], "PONG %d waited behind %d data frames, %d had started" % (
                    k, seen_data, started_before[k]))


# ---------- window growth ----------
class Socket:
    """The channel's socket with send() replaced: a consumer that takes everything, nothing,
    or `takes` bytes per loop turn."""

    def __init__(self, real, takes):
        self.real = real
        self.takes = takes
        self.room = takes

    def send(self, data):
        if self.takes is True:
            return len(data)
        n = min(len(data), self.room)
        if not n:
            raise BlockingIOError()
        self.room -= n
        return n

    def next_turn(self):
        self.room = self.takes

    def __getattr__(self, name):
        return getattr(self.real, name)


def window(p):
    return struct.unpack("!I", p)[0]


def windows_on(wire, ch, mark=0):
    """The increments of the TCP_WINDOW frames on channel ch among the frames from mark on."""
    return [window(p) for c, cmd, p, end in wire.frames()[mark:] if cmd == agent.TCP_WINDOW and c == ch]


def turn(mux, wire):
    """The end of one agent loop turn, as run() does it (0002: the ready sockets are read, then
    grants and blocked signals, output, probes and gates, output). Returns the frames written
    in this turn."""
    mark = len(wire.frames())
    if mux.out_registered and wire.room != 0:
        mux.on_stdout(agent.EV_W)  # the selector: stdout has room again
    mux.end_turn()
    return wire.frames()[mark:]


def client_turns(mux, wire, c, turns, per_turn):
    """A client that sends up to per_turn bytes of its credit per loop turn, and the blocked
    signal (TCP_WINDOW 0) when that leaves it with no credit, once until credit comes; the
    agent's grants of each turn go back to it. Returns (bytes sent, the most TCP_WINDOW frames
    in one turn, the client's credit at the end, the window after each turn, blocked signals sent)."""
    credit = agent.INITIAL_WINDOW
    sent = most = signals = 0
    blocked = False
    windows_seen = []
    block = memoryview(bytes(65535))
    for _ in range(turns):
        c.sock.next_turn()
        if c.wbuf:
            c.on_event(agent.EV_W)  # the socket is writable again
        budget = min(credit, per_turn)
        while budget:
            n = min(65535, budget)
            mux.dispatch(c.ch, agent.TCP_DATA, block[:n])
            budget -= n
            credit -= n
            sent += n
        if credit == 0 and not blocked:
            mux.dispatch(c.ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 0)))
            blocked = True
            signals += 1
        incs = [window(p) for ch, cmd, p, end in turn(mux, wire) if cmd == agent.TCP_WINDOW and ch == c.ch]
        most = max(most, len(incs))
        for inc in incs:
            credit += inc
            if inc:
                blocked = False
        windows_seen.append(c.window)
    return sent, most, credit, windows_seen, signals


def window_grows_for_a_fast_consumer():
    """A client blocked on credit every turn, a socket that takes everything: the window
    doubles on each blocked signal, once a turn, up to MAX_WINDOW and no further."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=True)
    sent, most, credit, seen, signals = client_turns(mux, wire, c, 12, agent.MAX_WINDOW)  # all its credit, every turn
    expect(c.window == agent.MAX_WINDOW, "window %d after %d bytes to a fast consumer" % (c.window, sent))
    steps = [b // a for a, b in zip([agent.INITIAL_WINDOW] + seen, seen)]
    expect(steps[:6] == [2] * 6 and set(steps[6:]) == {1}, "the window per turn went %s" % seen)
    expect(signals == 12, "%d blocked signals in 12 turns" % signals)
    expect(most == 1, "%d TCP_WINDOW frames in one loop turn" % most)
    expect(credit == c.window, "the client's credit %d, the window %d (all consumed)" % (credit, c.window))
    expect(c.recv_allowed == credit, "recv_allowed %d, the client's credit %d" % (c.recv_allowed, credit))
    c.free()
    peer.close()


def window_stays_for_a_stalled_consumer():
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=0)
    sent, most, credit, _, signals = client_turns(mux, wire, c, 20, 4 * 1024 * KiB)
    expect(signals == 1, "%d blocked signals" % signals)
    expect(c.window == agent.INITIAL_WINDOW, "window grew to %d for a stalled consumer" % c.window)
    expect(sent == agent.INITIAL_WINDOW and credit == 0, "sent %d, credit %d" % (sent, credit))
    expect(len(c.wbuf) == agent.INITIAL_WINDOW, "wbuf %d" % len(c.wbuf))
    expect(not windows_on(wire, c.ch), "TCP_WINDOW %s for a stalled consumer" % windows_on(wire, c.ch))
    c.free()
    peer.close()


def window_stays_for_a_slow_consumer():
    """The client is blocked on credit, but because the socket takes only 128 KiB a turn: the
    bytes wait in wbuf, and a bigger window would only let more of them wait."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=128 * KiB)
    sent, most, credit, _, signals = client_turns(mux, wire, c, 40, agent.MAX_WINDOW)
    expect(sent >= 30 * 128 * KiB, "sent %d" % sent)
    expect(signals >= 30, "%d blocked signals" % signals)
    expect(c.window == agent.INITIAL_WINDOW, "window grew to %d for a slow consumer" % c.window)
    expect(len(c.wbuf) <= agent.INITIAL_WINDOW, "wbuf %d" % len(c.wbuf))
    c.free()
    peer.close()


def window_stays_while_the_client_is_not_blocked():
    """A fast consumer, but a client that never runs out of credit: it sends no blocked
    signal, and nothing else grows the window."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=True)
    sent, most, credit, _, signals = client_turns(mux, wire, c, 400, 16 * KiB)
    expect(sent == 400 * 16 * KiB and signals == 0, "sent %d, %d blocked signals" % (sent, signals))
    expect(c.window == agent.INITIAL_WINDOW, "window grew to %d with credit to spare" % c.window)
    c.free()
    peer.close()


def client_blocked(mux, ch):
    mux.dispatch(ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 0)))


def blocked_client_grows_the_window_of_a_fast_reader():
    """TCP_WINDOW 0 from the client, reader keeping up, half a window consumed since the last
    growth: the window doubles and the next TCP_WINDOW carries consumed + window - granted,
    one frame per turn. Without half a window consumed, a signal changes nothing (routine
    grants end the client's episode; they must not double the window again and again)."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=True)
    block = memoryview(bytes(65535))

    def consume(total):
        left = total
        while left:
            n = min(65535, left)
            mux.dispatch(c.ch, agent.TCP_DATA, block[:n])
            left -= n

    client_blocked(mux, c.ch)  # nothing consumed yet
    expect(c.window == agent.INITIAL_WINDOW, "window %d after a blocked signal with nothing consumed" % c.window)
    expect([p for ch, cmd, p, end in turn(mux, wire) if cmd == agent.TCP_WINDOW] == [], "no grant for nothing")
    # half a window consumed, then blocked, in one turn: one grant of both
    consume(agent.INITIAL_WINDOW // 2)
    client_blocked(mux, c.ch)
    got = [window(p) for ch, cmd, p, end in turn(mux, wire) if cmd == agent.TCP_WINDOW and ch == c.ch]
    expect(c.window == 2 * agent.INITIAL_WINDOW, "window %d" % c.window)
    expect(got == [agent.INITIAL_WINDOW // 2 + agent.INITIAL_WINDOW], "grants %s (consumed 128 KiB, grown by 256 KiB)" % got)
    expect(c.recv_allowed == c.window, "recv_allowed %d, window %d" % (c.recv_allowed, c.window))
    # two more signals without consuming: no second doubling
    client_blocked(mux, c.ch)
    client_blocked(mux, c.ch)
    turn(mux, wire)
    expect(c.window == 2 * agent.INITIAL_WINDOW, "window %d after signals with nothing consumed since growing" % c.window)
    # consuming half a window before each signal: doubles up to MAX_WINDOW and stops there
    for _ in range(12):
        consume(c.window // 2)
        client_blocked(mux, c.ch)
        turn(mux, wire)
    expect(c.window == agent.MAX_WINDOW, "window %d at the end" % c.window)
    consume(agent.MAX_WINDOW // 2)
    turn(mux, wire)
    client_blocked(mux, c.ch)
    got = [window(p) for ch, cmd, p, end in turn(mux, wire) if cmd == agent.TCP_WINDOW]
    expect(got == [] and c.window == agent.MAX_WINDOW, "grants %s, window %d at MAX_WINDOW" % (got, c.window))
    c.free()
    peer.close()


def blocked_client_does_not_grow_the_window_of_a_stalled_reader():
    """Backlog at window / 8 or more: a blocked signal changes nothing (grants go on by the
    quarter rule alone); just below it, the window doubles."""
    for backlog, grows in ((agent.INITIAL_WINDOW, False), (agent.INITIAL_WINDOW // 8, False),
                           (agent.INITIAL_WINDOW // 8 - 1, True)):
        mux, wire = new_mux()
        c, peer = connected_channel(mux)
        c.sock = Socket(c.sock, takes=agent.INITIAL_WINDOW - backlog)
        block = memoryview(bytes(65535))
        left = agent.INITIAL_WINDOW
        while left:
            n = min(65535, left)
            mux.dispatch(c.ch, agent.TCP_DATA, block[:n])
            left -= n
        expect(len(c.wbuf) == backlog, "wbuf %d, meant %d" % (len(c.wbuf), backlog))
        client_blocked(mux, c.ch)
        got = [window(p) for ch, cmd, p, end in turn(mux, wire) if cmd == agent.TCP_WINDOW and ch == c.ch]
        consumed = agent.INITIAL_WINDOW - backlog
        if grows:
            expect(c.window == 2 * agent.INITIAL_WINDOW, "window %d with %d unwritten" % (c.window, backlog))
            expect(got == [consumed + agent.INITIAL_WINDOW], "grants %s with %d unwritten" % (got, backlog))
        else:
            expect(c.window == agent.INITIAL_WINDOW, "window grew to %d with %d unwritten" % (c.window, backlog))
            want = [consumed] if consumed >= agent.INITIAL_WINDOW // 4 else []
            expect(got == want, "grants %s with %d unwritten, expected %s" % (got, backlog, want))
        c.free()
        peer.close()


def window_zero_leaves_the_credit_alone():
    """A TCP_WINDOW 0 from the client is no error and changes no credit: at full credit, at
    none (the channel stays off the socket), and for a channel that is not open."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    client_blocked(mux, c.ch)
    expect(c.credit == agent.INITIAL_WINDOW, "credit %d after TCP_WINDOW 0" % c.credit)
    c.credit = 0
    c.update_interest()
    client_blocked(mux, c.ch)
    expect(c.credit == 0, "credit %d after TCP_WINDOW 0 at none" % c.credit)
    expect(not c.interest & agent.EV_R, "reading the socket with no credit")
    c.credit = 2 * agent.MAX_WINDOW + agent.INITIAL_WINDOW  # the most credit there may be
    client_blocked(mux, c.ch)
    expect(c.credit == 2 * agent.MAX_WINDOW + agent.INITIAL_WINDOW, "credit %d" % c.credit)
    client_blocked(mux, 77)  # no such channel: dropped
    c.free()
    client_blocked(mux, c.ch)  # freed: dropped
    peer.close()


def pong_all_probes(mux, wire):
    """Answers the outstanding probes on the wire (by the offset they carry: a control frame
    that overtook one makes it end later on the wire)."""
    for p, end in ack_probes(wire):
        if struct.unpack("!Q", p[3:])[0] in mux.probes:
            pong(mux, p)


def blocked_signals(wire, ch):
    return sum(1 for inc in windows_on(wire, ch) if inc == 0)


def read_until_no_credit(mux, wire, c):
    """Loop turns while the socket is readable and the channel has credit."""
    while c.credit > 0:
        r, _, _ = select.select([c.sock], [], [], WAIT_S)
        expect(r and c.reading, "the bulk source went quiet with %d credit left" % c.credit)
        c.on_event(agent.EV_R)
        turn(mux, wire)
        pong_all_probes(mux, wire)  # the in-flight bound is not what stops it here


def wait_queued(sock, n):
    """Waits until the socket holds at least n bytes: the bulk source is a thread, and a busy
    machine can hold it back, so that one read finds less than the check means it to."""
    deadline = time.monotonic() + WAIT_S
    while True:
        queued = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        if queued >= n:
            return
        expect(time.monotonic() < deadline, "the bulk source queued only %d of %d bytes in %.0f s" % (queued, n, WAIT_S))
        time.sleep(0.001)


def read_once(mux, wire, c):
    """Opens the in-flight gate (answers the probes), then one readiness event of the socket, with
    at least the channel's credit queued, and the end of that turn, which reads it. Returns the
    frames of that turn."""
    for _ in range(3):  # a shut gate sends a probe at the end of a turn
        pong_all_probes(mux, wire)
        turn(mux, wire)
        if mux.may_read():
            break
    expect(mux.may_read(), "the in-flight gate is shut: in flight %d, limit %d" % (
        mux.out_offset - mux.acked, mux.limit))
    wait_queued(c.sock, max(1, c.credit))
    c.on_event(agent.EV_R)
    return turn(mux, wire)


def one_blocked_signal_per_episode():
    """A bulk source with no credit left: exactly one TCP_WINDOW 0, none more while it stays
    blocked (readable or not), another after credit came and ran out again, in the turn of the
    read that used it up; none while credit remains."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    threading.Thread(target=send_quietly, args=(peer, bytes(4 * 1024 * KiB)), daemon=True).start()
    read_until_no_credit(mux, wire, c)
    expect(blocked_signals(wire, c.ch) == 1, "%d blocked signals at no credit" % blocked_signals(wire, c.ch))
    expect(not c.interest & agent.EV_R, "the socket is still watched with no credit")
    for _ in range(5):
        c.on_event(agent.EV_R)  # readable while the credit is 0
        turn(mux, wire)
    expect(blocked_signals(wire, c.ch) == 1, "%d blocked signals while still blocked" % blocked_signals(wire, c.ch))
    expect(c.credit == 0, "credit %d" % c.credit)
    mux.dispatch(c.ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 100000)))
    read_until_no_credit(mux, wire, c)
    expect(blocked_signals(wire, c.ch) == 2, "%d blocked signals after the second episode" % blocked_signals(wire, c.ch))
    # the signal is a control frame: it goes ahead of queued data, in the turn of the read
    mux.dispatch(c.ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 65535)))
    frames = read_once(mux, wire, c)
    expect(c.credit == 0, "credit %d" % c.credit)
    kinds = [("W%d" % window(p) if cmd == agent.TCP_WINDOW else cmd) for ch, cmd, p, end in frames]
    expect(kinds[:2] == ["W0", agent.TCP_DATA], "frames of the third episode: %s" % kinds)
    # more credit in the same turn as the readiness: the turn's reads use all of it before the
    # signal is due, so there is one signal, for the credit that is really gone
    mux.dispatch(c.ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 65535)))
    mux.dispatch(c.ch, agent.TCP_WINDOW, memoryview(struct.pack("!I", 1000)))
    frames = read_once(mux, wire, c)
    sent = sum(len(p) for ch, cmd, p, end in frames if cmd == agent.TCP_DATA and ch == c.ch)
    expect(c.credit == 0 and sent == 66535, "credit %d, %d bytes sent in the turn" % (c.credit, sent))
    expect(blocked_signals(wire, c.ch) == 4, "%d blocked signals after the fourth episode" % blocked_signals(wire, c.ch))
    c.free()
    peer.close()

    # a source that sends less than the credit is never blocked
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    peer.sendall(bytes(100000))
    got = 0
    while got < 100000:
        r, _, _ = select.select([c.sock], [], [], WAIT_S)
        expect(r, "the source went quiet")
        before = c.credit
        c.on_event(agent.EV_R)
        turn(mux, wire)
        got += before - c.credit
    expect(blocked_signals(wire, c.ch) == 0, "a blocked signal with %d credit left" % c.credit)
    c.free()
    peer.close()


# ---------- 50 ms round trip, fake clock ----------
class Source:
    """The channel's socket with recv() replaced: a bulk source that always has more."""

    def __init__(self, real):
        self.real = real
        self.block = bytes(65535)

    def recv(self, n):
        return self.block[:n]

    def readable(self):
        return True

    def __getattr__(self, name):
        return getattr(self.real, name)


class Link:
    """One direction of the path: frames arrive `delay` seconds after they were sent."""

    def __init__(self, clock, delay):
        self.clock = clock
        self.delay = delay
        self.q = []

    def put(self, item):
        self.q.append((self.clock.now + self.delay, item))

    def arrived(self):
        now = self.clock.now + 1e-9
        n = 0
        while n < len(self.q) and self.q[n][0] <= now:
            n += 1
        out = [item for _, item in self.q[:n]]
        del self.q[:n]
        return out


RTT_S = 0.050
STEP_S = 0.001


def simulated(fn):
    clock = Clock()
    agent.time = clock
    try:
        return fn(clock)
    finally:
        agent.time = __import__("time")


def upload_at_50ms(clock, rate, seconds):
    """A client (the Java sender's rule: TCP_WINDOW 0 once per blocked episode) sends a bulk
    upload at up to `rate` bytes/s over a 50 ms round trip to the agent, whose socket takes
    everything. Returns (the agent's window, bytes delivered in the last second, signals)."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Socket(c.sock, takes=True)
    up, down = Link(clock, RTT_S / 2), Link(clock, RTT_S / 2)
    credit = agent.INITIAL_WINDOW
    blocked = False
    signals = 0
    delivered = []  # (time, bytes) at the agent
    seen = 0
    per_step = int(rate * STEP_S)
    block = memoryview(bytes(65535))
    for _ in range(int(seconds / STEP_S)):
        clock.now += STEP_S
        for cmd, payload in up.arrived():  # the agent's turn
            mux.dispatch(c.ch, cmd, payload)
            if cmd == agent.TCP_DATA:
                delivered.append((clock.now, len(payload)))
        turn(mux, wire)
        frames = wire.frames()
        for ch, cmd, p, end in frames[seen:]:
            down.put((ch, cmd, p))
        seen = len(frames)
        for ch, cmd, p in down.arrived():  # the client's turn
            if cmd == agent.TCP_WINDOW and ch == c.ch:
                credit += window(p)
                if window(p):
                    blocked = False
            elif cmd == agent.PING:
                up.put((agent.PONG, memoryview(p)))
        budget = min(credit, per_step)
        while budget:
            n = min(65535, budget)
            up.put((agent.TCP_DATA, block[:n]))
            budget -= n
            credit -= n
        if credit == 0 and not blocked:
            up.put((agent.TCP_WINDOW, memoryview(struct.pack("!I", 0))))
            blocked = True
            signals += 1
    last = sum(n for t, n in delivered if t > clock.now - 1.0)
    c.free()
    peer.close()
    return c.window, last, signals


def upload_window_grows_at_50ms():
    """At a 50 ms round trip the credit the agent granted is always partly on its way, so a
    receiver-side 'credit nearly used up' rule never fires; the sender's blocked signal does.
    A 256 KiB window would cap the channel at 5.2 MB/s."""
    cap = agent.INITIAL_WINDOW / RTT_S
    win, last, signals = simulated(lambda clock: upload_at_50ms(clock, 100e6, 3.0))
    expect(win > agent.INITIAL_WINDOW, "the window stayed %d at 50 ms (%d signals)" % (win, signals))
    expect(last >= 0.9 * 100e6, "%.1f MB/s in the last second at 100 MB/s and 50 ms (window %d; 256 KiB caps at %.1f)" % (
        last / 1e6, win, cap / 1e6))
    # a slower link: the window stops growing once the client is no longer blocked
    win, last, signals = simulated(lambda clock: upload_at_50ms(clock, 20e6, 3.0))
    expect(last >= 0.9 * 20e6, "%.1f MB/s in the last second at 20 MB/s (window %d)" % (last / 1e6, win))
    expect(agent.INITIAL_WINDOW < win < agent.MAX_WINDOW, "window %d for a 1 MB path" % win)


def download_at_50ms(clock, rate, seconds):
    """The agent reads a bulk source that always has more, its output leaves at `rate`
    bytes/s, 25 ms each way, to a client whose receive window follows the Java rule (grant a
    quarter; on TCP_WINDOW 0 double while its reader keeps up, which it always does).
    Returns (the client's window, bytes at the client in the last second, blocked signals)."""
    mux, wire = new_mux()
    c, peer = connected_channel(mux)
    c.sock = Source(c.sock)
    up, down = Link(clock, RTT_S / 2), Link(clock, RTT_S / 2)
    win = granted = agent.INITIAL_WINDOW
    consumed = 0
    signals = 0
    delivered = []
    seen = 0
    per_step = int(rate * STEP_S)
    for _ in range(int(seconds / STEP_S)):
        clock.now += STEP_S
        for cmd, payload in up.arrived():  # the agent's turn
            mux.dispatch(c.ch, cmd, payload)
        if c.interest & agent.EV_R:
            c.on_event(agent.EV_R)
        wire.room = per_step  # the link's rate
        turn(mux, wire)
        wire.room = None
        frames = wire.frames()
        for ch, cmd, p, end in frames[seen:]:
            down.put((ch, cmd, p))
        seen = len(frames)
        for ch, cmd, p in down.arrived():  # the client's turn
            if cmd == agent.TCP_DATA and ch == c.ch:
                consumed += len(p)
                delivered.append((clock.now, len(p)))
                expect(consumed <= granted, "the agent sent %d bytes past the credit" % (consumed - granted))
            elif cmd == agent.TCP_WINDOW and ch == c.ch:
                expect(window(p) == 0, "the agent granted %d on a channel we never sent on" % window(p))
                signals += 1
                if win < agent.MAX_WINDOW:
                    win = min(agent.MAX_WINDOW, 2 * win)
            elif cmd == agent.PING:
                up.put((agent.PONG, memoryview(p)))
        owed = consumed + win - granted
        if owed >= win // 4:
            up.put((agent.TCP_WINDOW, memoryview(struct.pack("!I", owed))))
            granted += owed
    last = sum(n for t, n in delivered if t > clock.now - 1.0)
    c.free()
    peer.close()
    return win, last, signals


def download_window_grows_at_50ms():
    """The agent as the sender at 50 ms: its blocked signals let a receiver of the Java rule
    grow the window, so the channel gets well past 256 KiB per round trip."""
    win, last, signals = simulated(lambda clock: download_at_50ms(clock, 50e6, 3.0))
    expect(win > agent.INITIAL_WINDOW, "the client's window stayed %d (%d blocked signals)" % (win, signals))
    expect(last >= 0.8 * 50e6, "%.1f MB/s at the client in the last second at 50 MB/s and 50 ms (window %d, %d signals)" % (
        last / 1e6, win, signals))


# ---------- read scheduling ----------
class Pending:
    """The channel's socket with recv() replaced: the bytes the test put in it, then EAGAIN."""

    def __init__(self, real):
        self.real = real
        self.data = bytearray()

    def recv(self, n):
        if not self.data:
            raise BlockingIOError()
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def readable(self):
        return bool(self.data)

    def __getattr__(self, name):
        return getattr(self.real, name)


def fake_channel(mux, ch, source):
    """A connected channel whose socket reads come from source (Source or Pending), with credit
    that is not what stops it."""
    c, peer = connected_channel(mux, ch)
    c.sock = source(c.sock)
    c.got_window(agent.MAX_WINDOW)
    return c, peer


def select_turn(mux, wire, channels):
    """One loop turn under a level-triggered selector: every channel watched for reading whose
    source has bytes gets its readiness event, in the order given (the kernel's order is not
    ours to choose, and bulk first is the worst case), then the end of the turn. Returns the
    frames written in the turn."""
    for c in channels:
        if not c.closed and c.interest & agent.EV_R and c.sock.readable():
            c.on_event(agent.EV_R)
    return turn(mux, wire)


def data_of(frames, ch=None):
    return [(c, len(p)) for c, cmd, p, end in frames if cmd == agent.TCP_DATA and (ch is None or c == ch)]


QUANTUM = 64 * KiB        # the scheduler's quantum
SPARSE_SLACK = 64 * KiB   # what new flows may still send past the limit
SPARSE_READ = 16 * KiB    # the most one read takes there


def most_in_flight(mux):
    """The limit, the sparse slack and one frame."""
    return mux.limit + SPARSE_SLACK + agent.HDR_LEN + agent.MAX_PAYLOAD


def interactive_bytes_go_ahead_of_a_full_bound():
    """A bulk source fills the 256 KiB bound (no probe answered, so the limit stays there). An
    interactive channel that becomes readable at the shut gate is read in that same turn, and
    no bulk byte goes meanwhile; a burst at the shut gate is read 16 KiB at a time and only up
    to limit + 64 KiB; past that the next interactive bytes wait, and once the probes are
    answered they go first, ahead of the bulk. In flight never exceeds limit + 64 KiB + one
    frame."""
    def run(clock):
        mux, wire = new_mux()
        bulk, p1 = fake_channel(mux, 1, Source)
        burst, p2 = fake_channel(mux, 2, Pending)
        echo, p3 = fake_channel(mux, 3, Pending)
        order = [bulk, burst, echo]

        def step(what):
            frames = select_turn(mux, wire, order)
            in_flight = mux.out_offset - mux.acked
            expect(in_flight <= most_in_flight(mux), "%s: %d bytes in flight, more than limit + 64 KiB + one frame (%d)" % (
                what, in_flight, most_in_flight(mux)))
            return frames

        for _ in range(20):
            if not mux.may_read():
                break
            step("bulk")
        expect(not mux.may_read(), "the bulk source never filled the bound")
        filled = mux.out_offset - mux.acked
        expect(filled < agent.LIMIT_MIN + agent.HDR_LEN + agent.MAX_PAYLOAD + 8 * 19,
               "bulk alone put %d bytes in flight (limit %d)" % (filled, agent.LIMIT_MIN))

        echo.sock.data += b"e" * 64
        frames = step("echo at the shut gate")
        expect(data_of(frames) == [(3, 64)], "in the turn the echo reply became readable at the shut gate: %s "
               "(it waited behind the bulk, %d bytes in flight)" % (data_of(frames), mux.out_offset - mux.acked))

        burst.sock.data += b"b" * (200 * KiB)
        frames = step("burst at the shut gate")
        got = data_of(frames)
        expect(got and all(ch == 2 for ch, n in got), "a burst at the shut gate: %s" % got)
        expect(all(n <= SPARSE_READ for ch, n in got), "reads past the limit of more than 16 KiB: %s" % got)
        in_flight = mux.out_offset - mux.acked
        expect(in_flight >= agent.LIMIT_MIN + SPARSE_SLACK, "the burst stopped at %d in flight, short of the slack" % in_flight)

        echo.sock.data += b"f" * 64
        frames = step("echo past the slack")
        expect(data_of(frames) == [], "data past limit + 64 KiB: %s" % data_of(frames))

        pong_all_probes(mux, wire)  # the gate opens: the rest of this turn reads in scheduler order
        frames = turn(mux, wire)
        got = data_of(frames)
        expect(got and got[0] == (3, 64), "after the gate opened: %s (the echo reply first)" % got[:6])
        for _ in range(3):
            pong_all_probes(mux, wire)
            step("open gate")
        for c, p in ((bulk, p1), (burst, p2), (echo, p3)):
            c.free()
            p.close()

    simulated(run)


def bulk_channels_share_by_deficit_round_robin():
    """Two bulk sources, every probe answered after each turn: each gets half of the bytes, and
    at no turn is one ahead of the other by more than a quantum and a frame."""
    def run(clock):
        mux, wire = new_mux()
        a, pa = fake_channel(mux, 1, Source)
        b, pb = fake_channel(mux, 2, Source)
        got = {1: 0, 2: 0}
        lag = 0
        for _ in range(60):
            clock.now += 0.001
            for ch, n in data_of(select_turn(mux, wire, [a, b])):
                got[ch] += n
            lag = max(lag, abs(got[1] - got[2]))
            pong_all_probes(mux, wire)
            for c in (a, b):
                if c.credit < agent.MAX_WINDOW:
                    c.got_window(agent.MAX_WINDOW)
        total = got[1] + got[2]
        expect(total > 20 * agent.LIMIT_MIN, "only %d bytes in 60 turns" % total)
        expect(abs(got[1] - got[2]) <= 0.01 * total, "bytes per channel %s" % got)
        expect(lag <= QUANTUM + agent.MAX_PAYLOAD, "one channel was %d bytes ahead at a turn (%s at the end)" % (lag, got))
        for c, p in ((a, pa), (b, pb)):
            c.free()
            p.close()

    simulated(run)


def a_new_flow_becomes_old_after_its_quantum():
    """A bulk source that has been sending, then a second one becomes readable: the newcomer
    is read first, for its 64 KiB quantum (the frame that crosses it, and at most one round
    more ahead of an old flow that overdrew its deficit), then the old one gets its turn in the
    same loop turn; from then on the newcomer is an old flow: at a shut gate, with slack left,
    neither is read."""
    def run(clock):
        mux, wire = new_mux()
        old, po = fake_channel(mux, 1, Source)
        new, pn = fake_channel(mux, 2, Source)
        new.sock.readable = lambda: False  # not yet
        select_turn(mux, wire, [old, new])
        expect(not mux.may_read(), "the first source did not fill the bound")
        pong_all_probes(mux, wire)
        del new.sock.readable
        got = data_of(select_turn(mux, wire, [old, new]))
        first = [ch for ch, n in got]
        run_of_new = 0
        for ch, n in got:
            if ch != 2:
                break
            run_of_new += n
        expect(first and first[0] == 2, "the newcomer was not read first: %s" % first)
        expect(QUANTUM <= run_of_new < 2 * QUANTUM + agent.MAX_PAYLOAD,
               "the newcomer sent %d bytes before the old flow's turn: %s" % (run_of_new, got))
        expect(1 in first, "the old flow got no turn once the newcomer used its quantum: %s" % first)
        for _ in range(20):  # no probe answered: up to the limit
            if not mux.may_read():
                break
            select_turn(mux, wire, [old, new])
        # the gate is shut now, but within the slack: only new flows could be read, and there are none
        in_flight = mux.out_offset - mux.acked
        expect(mux.limit <= in_flight < mux.limit + SPARSE_SLACK,
               "in flight %d: the check needs a shut gate with slack left" % in_flight)
        got = data_of(select_turn(mux, wire, [old, new]))
        expect(got == [], "an old flow read past the limit: %s" % got)
        for c, p in ((old, po), (new, pn)):
            c.free()
            p.close()

    simulated(run)


def a_bulk_flow_that_runs_dry_does_not_come_back_new():
    """As in fq_codel: a bulk source that the reads drain now and then (its bytes come in 32 KiB
    bursts) joins the old flows when it runs dry instead of leaving the lists, so when it refills
    at a shut gate it is an old flow and may not use the sparse slack that interactive channels
    need. An interactive channel that turns up there still goes at once."""
    def run(clock):
        mux, wire = new_mux()
        bulk, pb = fake_channel(mux, 1, Pending)
        echo, pe = fake_channel(mux, 2, Pending)
        for _ in range(40):  # no probe answered: the bursts fill the bound
            if not mux.may_read():
                break
            bulk.sock.data += b"x" * (32 * KiB)
            select_turn(mux, wire, [bulk, echo])
        expect(not mux.may_read(), "the bursts never filled the bound")
        in_flight = mux.out_offset - mux.acked
        expect(in_flight < mux.limit + SPARSE_SLACK, "in flight %d: the check needs slack left" % in_flight)
        bulk.sock.data += b"x" * (32 * KiB)
        got = data_of(select_turn(mux, wire, [bulk, echo]))
        expect(got == [], "a bulk flow that had run dry came back as new and used the slack: %s" % got)
        echo.sock.data += b"e" * 64
        got = data_of(select_turn(mux, wire, [bulk, echo]))
        expect(got == [(2, 64)], "the interactive bytes at the shut gate: %s" % got)
        for c, p in ((bulk, pb), (echo, pe)):
            c.free()
            p.close()

    simulated(run)


check("probes bound the bytes in flight", probes_bound_the_bytes_in_flight)
check("a shut gate always has a probe", a_shut_gate_always_has_a_probe)
check("at most eight probes", at_most_eight_probes)
check("samples set the limit", samples_set_the_limit)
check("pong overtakes queued data", pong_overtakes_queued_data)
check("control frames keep every frame whole", control_frames_keep_every_frame_whole)
check("window grows for a fast consumer", window_grows_for_a_fast_consumer)
check("window stays for a stalled consumer", window_stays_for_a_stalled_consumer)
check("window stays for a slow consumer", window_stays_for_a_slow_consumer)
check("window stays while the client is not blocked", window_stays_while_the_client_is_not_blocked)
check("a blocked client grows the window of a fast reader", blocked_client_grows_the_window_of_a_fast_reader)
check("a blocked client does not grow the window of a stalled reader", blocked_client_does_not_grow_the_window_of_a_stalled_reader)
check("window 0 leaves the credit alone", window_zero_leaves_the_credit_alone)
check("one blocked signal per episode", one_blocked_signal_per_episode)
check("upload window grows at 50 ms", upload_window_grows_at_50ms)
check("download window grows at 50 ms", download_window_grows_at_50ms)
check("interactive bytes go ahead of a full bound", interactive_bytes_go_ahead_of_a_full_bound)
check("bulk channels share by deficit round robin", bulk_channels_share_by_deficit_round_robin)
check("a new flow becomes old after its quantum", a_new_flow_becomes_old_after_its_quantum)
check("a bulk flow that runs dry does not come back new", a_bulk_flow_that_runs_dry_does_not_come_back_new)
