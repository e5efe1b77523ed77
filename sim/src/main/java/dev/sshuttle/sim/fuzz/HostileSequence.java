package dev.sshuttle.sim.fuzz;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.sim.fuzz.HostileStep.Target;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates hostile sessions from a seed: a grammar of frames a compromised server may send
 * (every command of the version, in its payload shape or near it: windows of 0, 1, 2^32-1;
 * data past the window; PINGs with 64 KiB payloads; answers to probes never sent; text where
 * numbers belong), on channels that are open, closed, never opened or the control channel,
 * sometimes in floods of thousands, mixed with local applications that connect, read slowly
 * or not at all, and a server that reads our output or does not.
 */
public final class HostileSequence {
    /** Commands only the client may send: the client takes them as a protocol error. */
    private static final int[] CLIENT_COMMANDS = {Command.TCP_CONNECT, Command.HOST_REQ, Command.DNS_REQ, Command.UDP_OPEN};
    private static final int[] V2_COMMANDS = {
            Command.TCP_WINDOW, Command.TCP_CONNECTED, Command.TCP_CONNECT_FAILED, Command.TCP_RESET};

    private HostileSequence() {}

    public static List<HostileStep> generate(long seed, ProtocolVersion version) {
        Random r = new Random(seed);
        List<HostileStep> steps = new ArrayList<>();
        int length = 5 + r.nextInt(r.nextInt(10) == 0 ? 400 : 60);
        boolean wrongWay = r.nextInt(5) == 0; // one session in five also sends what only a client may
        for (int i = 0; i < length; i++) steps.add(step(r, version, wrongWay));
        return steps;
    }

    private static HostileStep step(Random r, ProtocolVersion version, boolean wrongWay) {
        int roll = r.nextInt(100);
        if (roll < 12) return new HostileStep.Open(r.nextInt(4) == 0 ? r.nextInt(300_000) : r.nextInt(100), r.nextBoolean());
        if (roll < 14) return new HostileStep.OpenDns();
        if (roll < 22) return new HostileStep.AppReads(r.nextInt(8), r.nextInt(3) == 0 ? Integer.MAX_VALUE : r.nextInt(100_000));
        if (roll < 27) return new HostileStep.PeerReads(r.nextInt(3) != 0);
        if (roll < 31) return new HostileStep.Wait(r.nextInt(4) == 0 ? 1000L * r.nextInt(40) : r.nextInt(200));
        return send(r, version, wrongWay);
    }

    private static HostileStep.Send send(Random r, ProtocolVersion version, boolean wrongWay) {
        int command = version == ProtocolVersion.V2 && r.nextInt(3) == 0
                ? V2_COMMANDS[r.nextInt(V2_COMMANDS.length)]
                : weighted(r, wrongWay);
        Target target = target(r, command);
        byte[] payload = payload(r, command);
        int repeat = r.nextInt(8) == 0 ? 1 + r.nextInt(r.nextBoolean() ? 3000 : 100) : 1;
        if ((long) repeat * payload.length > 64L << 20) repeat = (int) ((64L << 20) / Math.max(1, payload.length)); // floods up to 64 MiB
        int splits = r.nextInt(6) == 0 ? 2 + r.nextInt(3) : 1;
        return new HostileStep.Send(target, command, payload, repeat, splits);
    }

    /** Mostly what a server sends; now and then a command only a client may send (a protocol error). */
    private static int weighted(Random r, boolean wrongWay) {
        int roll = r.nextInt(100);
        if (roll < 39) return Command.TCP_DATA;
        if (roll < 51) return Command.PING;
        if (roll < 59) return Command.PONG;
        if (roll < 67) return Command.TCP_EOF;
        if (roll < 73) return Command.TCP_STOP_SENDING;
        if (roll < 75) return Command.EXIT;
        if (roll < 79) return Command.ROUTES;
        if (roll < 83) return Command.HOST_LIST;
        if (roll < 89) return Command.DNS_RESPONSE;
        if (roll < 93) return Command.UDP_DATA;
        if (roll < 96 || !wrongWay) return Command.UDP_CLOSE;
        return CLIENT_COMMANDS[r.nextInt(CLIENT_COMMANDS.length)];
    }

    private static Target target(Random r, int command) {
        int roll = r.nextInt(100);
        if (command == Command.PING || command == Command.PONG || command == Command.EXIT || command == Command.ROUTES
                || command == Command.HOST_LIST) {
            return roll < 85 ? new Target(Target.Kind.CONTROL, 0) : new Target(Target.Kind.OPENED, r.nextInt(8));
        }
        if (command == Command.DNS_RESPONSE && roll < 70) return new Target(Target.Kind.DNS, r.nextInt(4));
        if (roll < 75) return new Target(Target.Kind.OPENED, r.nextInt(8));
        if (roll < 88) return new Target(Target.Kind.NEVER_OPENED, r.nextInt(1000));
        return new Target(Target.Kind.CONTROL, 0);
    }

    private static byte[] payload(Random r, int command) {
        return switch (command) {
            case Command.TCP_DATA -> random(r, pick(r, 0, 1, 100, 2048, 32 * 1024, 65535, r.nextInt(65536)));
            case Command.PING, Command.PONG -> r.nextInt(4) == 0 ? probe(r) : random(r, pick(r, 0, 2, 8, 4096, 65535, r.nextInt(65536)));
            case Command.TCP_WINDOW -> r.nextInt(10) == 0 ? random(r, pick(r, 0, 3, 5, 8))
                    : ByteBuffer.allocate(4).putInt((int) pickLong(r, 0, 1, 1024, 65536, 262144, 1L << 24, 1L << 31, 0xffffffffL,
                            r.nextLong() & 0xffffffffL)).array();
            case Command.TCP_CONNECT_FAILED -> {
                byte[] text = text(r);
                byte[] p = new byte[1 + Math.min(text.length, Frame.MAX_PAYLOAD - 1)];
                p[0] = (byte) r.nextInt(256);
                System.arraycopy(text, 0, p, 1, p.length - 1);
                yield r.nextInt(8) == 0 ? new byte[0] : p;
            }
            case Command.TCP_RESET, Command.HOST_REQ -> text(r);
            case Command.ROUTES -> routes(r);
            case Command.HOST_LIST -> r.nextInt(3) == 0 ? random(r, 65535) : text(r);
            case Command.TCP_CONNECT -> (pick(r, 2, 10, 7) + "," + (r.nextBoolean() ? "10.0.0.1" : "not an address") + ","
                    + pick(r, 0, 80, 65535, 99999)).getBytes(StandardCharsets.UTF_8);
            case Command.UDP_OPEN -> (r.nextBoolean() ? "2" : "x").getBytes(StandardCharsets.UTF_8);
            case Command.DNS_REQ, Command.DNS_RESPONSE, Command.UDP_DATA -> random(r, pick(r, 0, 12, 512, 65535));
            default -> new byte[0]; // EXIT, EOF, STOP_SENDING, CONNECTED, UDP_CLOSE: empty, or a stray byte
        };
    }

    private static byte[] probe(Random r) {
        // the shape of an ack probe ("ack" + offset): an answer to one we never sent, or a far offset
        return ByteBuffer.allocate(11).put("ack".getBytes(StandardCharsets.US_ASCII))
                .putLong(pickLong(r, 0, 1, 1L << 20, Long.MAX_VALUE, -1, r.nextLong())).array();
    }

    private static byte[] routes(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(r.nextInt(5) == 0 ? 2000 : 5);
        String[] lines = {"2,0.0.0.0,0", "2,127.0.0.0,8", "2,10.1.0.0,16", "10,::1,128", "2,host.example,24", "x,y,z", "2,10.0.0.0,99"};
        for (int i = 0; i < n && b.length() < 60000; i++) b.append(lines[r.nextInt(lines.length)]).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] text(Random r) {
        int n = pick(r, 0, 5, 300, 65535);
        if (r.nextBoolean()) return random(r, n);
        return "x".repeat(n).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static int pick(Random r, int... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static long pickLong(Random r, long... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
