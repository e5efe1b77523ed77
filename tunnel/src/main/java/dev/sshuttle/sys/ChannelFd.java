package dev.sshuttle.sys;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.Channel;

/**
 * The kernel file descriptor behind a JDK socket channel. The JDK keeps it private; its
 * channels implement {@code sun.nio.ch.SelChImpl#getFDVal}, reached here through a method
 * handle so that nothing refers to the internal package at compile time (the build uses
 * {@code --release 25}, which forbids {@code --add-exports}). At run time the package must be
 * exported: the jar manifest says {@code Add-Exports: java.base/sun.nio.ch}, tests pass
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}.
 */
public final class ChannelFd {
    private static final String SEL_CH_IMPL = "sun.nio.ch.SelChImpl";
    private static final Lookup LOOKUP = lookup();

    private ChannelFd() {}

    /** The fd of an open SocketChannel, ServerSocketChannel or DatagramChannel of the default provider. */
    public static int of(Channel channel) throws IOException {
        if (LOOKUP.error != null) throw new IOException(LOOKUP.error);
        if (!LOOKUP.selChImpl.isInstance(channel)) {
            throw new IOException("not a JDK socket channel: " + channel.getClass().getName());
        }
        if (!channel.isOpen()) throw new IOException("channel is closed");
        try {
            return (int) LOOKUP.getFdVal.invokeExact((Object) channel);
        } catch (Throwable t) {
            throw new IOException("reading the fd of " + channel + " failed", t);
        }
    }

    private record Lookup(Class<?> selChImpl, MethodHandle getFdVal, String error) {}

    private static Lookup lookup() {
        try {
            Class<?> type = Class.forName(SEL_CH_IMPL);
            MethodHandle handle = MethodHandles.lookup()
                    .findVirtual(type, "getFDVal", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Object.class));
            return new Lookup(type, handle, null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new Lookup(null, null, "cannot reach " + SEL_CH_IMPL + "#getFDVal (" + e.getMessage()
                    + "); run with --add-exports java.base/sun.nio.ch=ALL-UNNAMED or from the sshuttle jar");
        }
    }
}
