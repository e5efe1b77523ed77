package dev.sshuttle.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/** Where an accepted (redirected) connection was really going. Production: SO_ORIGINAL_DST. */
@FunctionalInterface
public interface DestinationLookup {
    InetSocketAddress originalDestination(SocketChannel accepted) throws IOException;
}
