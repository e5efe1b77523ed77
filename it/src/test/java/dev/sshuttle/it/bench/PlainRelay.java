package dev.sshuttle.it.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The least a process in the middle of a TCP path can do: accept, connect onward, and copy
 * bytes both ways (a blocking thread per direction, a direct buffer, no framing, no mux). The
 * data-path benchmark puts one at each end of {@code ssh -L} ("ssh -L, a plain relay at each
 * end"), so that path has as many processes as ours (client, ssh, sshd, agent): what that
 * contender loses against plain {@code ssh -L} is what the extra two hops cost, whatever runs
 * in them.
 *
 * <p>{@code java PlainRelay LISTEN_HOST:PORT=TARGET_HOST:PORT ... [--until-stdin-ends] [--exec
 * COMMAND...]}: runs until killed; with {@code --until-stdin-ends} until its stdin ends (started
 * through ssh, it goes with the session); with {@code --exec} it starts the command once it
 * listens (its stdin a pipe from here, so a remote relay started by that ssh lives as long as
 * this one) and ends with it, or ends it when killed.
 */
public final class PlainRelay {
    static final int BUFFER_BYTES = 256 * 1024;

    public static void main(String[] args) throws Exception {
        List<Thread> acceptors = new ArrayList<>();
        boolean untilStdinEnds = false;
        List<String> command = List.of();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--exec")) {
                command = List.of(args).subList(i + 1, args.length);
                break;
            }
            if (arg.equals("--until-stdin-ends")) {
                untilStdinEnds = true;
                continue;
            }
            String[] pair = arg.split("=", 2);
            ServerSocketChannel server = ServerSocketChannel.open().bind(address(pair[0]), 256);
            InetSocketAddress target = address(pair[1]);
            acceptors.add(Thread.ofPlatform().name("accept-" + pair[0]).start(() -> acceptLoop(server, target)));
        }
        System.out.println("relay listening");
        System.out.flush();
        if (!command.isEmpty()) {
            Process child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
            System.exit(child.waitFor());
        }
        if (untilStdinEnds) {
            while (System.in.read() >= 0) {
                // nothing is sent; only the end matters
            }
            System.exit(0);
        }
        for (Thread t : acceptors) t.join();
    }

    private static void acceptLoop(ServerSocketChannel server, InetSocketAddress target) {
        while (true) {
            SocketChannel in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().start(() -> relay(in, target));
        }
    }

    private static void relay(SocketChannel in, InetSocketAddress target) {
        try (in; SocketChannel out = SocketChannel.open()) {
            in.setOption(StandardSocketOptions.TCP_NODELAY, true);
            out.setOption(StandardSocketOptions.TCP_NODELAY, true);
            out.connect(target);
            Thread back = Thread.ofPlatform().daemon().start(() -> copy(out, in));
            copy(in, out);
            back.join();
        } catch (IOException | InterruptedException e) {
            // the peer went away: both sockets close
        }
    }

    /** Copies until EOF, then half-closes the other side (an echo's close reaches the far end). */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) to.write(buf);
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing is all that is left
            }
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private PlainRelay() {}
}
