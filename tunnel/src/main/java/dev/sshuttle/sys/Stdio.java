package dev.sshuttle.sys;

import java.io.IOException;
import java.nio.channels.Pipe;

/**
 * This process's stdin and stdout as selectable JDK channels. The JDK offers them only as
 * blocking streams (or, through System.inheritedChannel, when they are sockets), yet the agent
 * wants them in its event loop next to its sockets. A fresh JDK pipe's end is a selectable
 * channel; dup2 makes its descriptor refer to fd 0 (or 1) instead, and the channel then reads
 * (or writes) our stdio with everything the JDK does for a pipe: non-blocking mode, the
 * selector, scattering and gathering I/O.
 */
public final class Stdio {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;

    private Stdio() {}

    /** fd 0 as a channel; call once. The pipe behind it is grown to 1 MiB when it is a pipe. */
    public static Pipe.SourceChannel stdin() throws IOException {
        Pipe pipe = Pipe.open();
        Libc.dup2(STDIN, ChannelFd.of(pipe.source()), "dup2(stdin)");
        pipe.sink().close();
        SpawnedProcess.growPipe(STDIN);
        return pipe.source();
    }

    /** fd 1 as a channel; call once. Nothing else may write to fd 1 afterwards. */
    public static Pipe.SinkChannel stdout() throws IOException {
        Pipe pipe = Pipe.open();
        Libc.dup2(STDOUT, ChannelFd.of(pipe.sink()), "dup2(stdout)");
        pipe.source().close();
        SpawnedProcess.growPipe(STDOUT);
        return pipe.sink();
    }
}
