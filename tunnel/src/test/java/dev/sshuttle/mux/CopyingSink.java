package dev.sshuttle.mux;

import java.util.function.Consumer;

/** A {@link FrameDecoder.Sink} that copies every frame into a {@link Frame}: for tests, never the data path. */
public final class CopyingSink {
    private CopyingSink() {}

    public static FrameDecoder.Sink to(Consumer<Frame> frames) {
        return (channel, command, payload) -> {
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            frames.accept(new Frame(channel, command, bytes));
        };
    }
}
