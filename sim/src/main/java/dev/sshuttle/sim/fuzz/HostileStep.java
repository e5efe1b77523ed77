package dev.sshuttle.sim.fuzz;

import dev.sshuttle.mux.Command;
import java.nio.charset.StandardCharsets;

/**
 * One step of a hostile session against the client: frames the server sends (well-formed:
 * right magic, a known command, a payload of the shape the command has, or one twisted a
 * little), or something local (an application connects or reads, the server starts or stops
 * reading our output, time passes). Channels are named relative to what the client opened, so
 * a step keeps its meaning when the shrinker drops the steps around it.
 */
public sealed interface HostileStep {

    /** Which channel a frame goes to. */
    record Target(Kind kind, int index) {
        public enum Kind { OPENED, CONTROL, NEVER_OPENED, DNS }

        @Override
        public String toString() {
            return switch (kind) {
                case OPENED -> "opened#" + index;
                case CONTROL -> "ch0";
                case NEVER_OPENED -> "never#" + index;
                case DNS -> "dns#" + index;
            };
        }
    }

    /** {@code repeat} copies of one frame, handed to the client in {@code splits} pieces each (1 = whole). */
    record Send(Target target, int command, byte[] payload, int repeat, int splits) implements HostileStep {
        @Override
        public String toString() {
            String shown = payload.length <= 24 && isText(payload)
                    ? '"' + new String(payload, StandardCharsets.ISO_8859_1) + '"' : payload.length + " bytes";
            return "send " + (repeat > 1 ? repeat + "x " : "") + Command.name(command) + " to " + target + " (" + shown
                    + (splits > 1 ? ", in " + splits + " pieces" : "") + ")";
        }

        private static boolean isText(byte[] b) {
            for (byte c : b) if (c < 32 || c > 126) return false;
            return true;
        }
    }

    /** A local application connects, has {@code upstreamBytes} to send, then EOF if {@code closes}. */
    record Open(int upstreamBytes, boolean closes) implements HostileStep {
        @Override
        public String toString() {
            return "app connects, sends " + upstreamBytes + (closes ? " then EOF" : "");
        }
    }

    /** The client sends a DNS query. */
    record OpenDns() implements HostileStep {
        @Override
        public String toString() {
            return "DNS query";
        }
    }

    /** Application {@code app} (by order of connecting) reads up to {@code bytes}. */
    record AppReads(int app, int bytes) implements HostileStep {
        @Override
        public String toString() {
            return "app#" + app + " reads " + bytes;
        }
    }

    /** The server reads our output from now on, or stops reading it. */
    record PeerReads(boolean reads) implements HostileStep {
        @Override
        public String toString() {
            return reads ? "server reads" : "server stops reading";
        }
    }

    record Wait(long millis) implements HostileStep {
        @Override
        public String toString() {
            return "wait " + millis + " ms";
        }
    }
}
