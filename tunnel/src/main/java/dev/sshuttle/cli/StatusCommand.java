package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.client.StatusDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code sshuttle status [--json|--metrics] [--pid PID]}: asks each running client of this user
 * (its socket in {@link StatusDirectory}) what it is doing and prints the answers. Exit 0 when
 * at least one answered, 1 when none runs.
 */
final class StatusCommand {
    private static final int MAX_REPLY_BYTES = 16 << 20;

    private StatusCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
        String request = "text";
        String pid = null;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--json" -> request = "json";
                case "--metrics" -> request = "metrics";
                case "--pid" -> {
                    if (i + 1 >= args.size() || !args.get(i + 1).matches("\\d{1,10}")) return usage(err, "--pid needs a process id");
                    pid = args.get(++i);
                }
                case "-h", "--help" -> {
                    out.println("usage: sshuttle status [--json | --metrics] [--pid PID]");
                    return ExitCodes.OK;
                }
                default -> {
                    return usage(err, "unknown argument '" + args.get(i) + "'");
                }
            }
        }
        Path dir = StatusDirectory.of(env);
        List<Path> sockets = new ArrayList<>();
        try {
            if (Files.isDirectory(dir)) {
                StatusDirectory.check(dir);
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(p -> p.getFileName().toString().matches("\\d+\\.sock")).sorted().forEach(sockets::add);
                }
            }
        } catch (IOException e) {
            err.println("sshuttle status: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        int answered = 0;
        for (Path socket : sockets) {
            String socketPid = socket.getFileName().toString().replace(".sock", "");
            if (pid != null && !pid.equals(socketPid)) continue;
            try {
                out.print(ask(socket, request));
                answered++;
            } catch (java.net.ConnectException refused) {
                // nobody listens: a client killed (SIGKILL) before it could remove its socket
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException ignored) {
                    // left for the next look
                }
            } catch (IOException e) {
                err.println("sshuttle status: client " + socketPid + " did not answer: " + e.getMessage());
            }
        }
        if (answered == 0) {
            err.println("sshuttle status: no running sshuttle client of yours" + (pid == null ? "" : " with pid " + pid)
                    + " (looked in " + dir + ")");
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    static String ask(Path socket, String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            java.io.ByteArrayOutputStream reply = new java.io.ByteArrayOutputStream();
            while (c.read(buf) >= 0) {
                reply.write(buf.array(), 0, buf.position());
                buf.clear();
                if (reply.size() > MAX_REPLY_BYTES) throw new IOException("reply longer than " + MAX_REPLY_BYTES + " bytes");
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("sshuttle status: " + message);
        err.println("usage: sshuttle status [--json | --metrics] [--pid PID]");
        return ExitCodes.USAGE;
    }
}
