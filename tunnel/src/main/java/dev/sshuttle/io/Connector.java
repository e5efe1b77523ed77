package dev.sshuttle.io;

import dev.sshuttle.mux.TcpTarget;
import java.io.IOException;

/** Opens the agent's outbound connections (real sockets in production, simulated ones in the simulator). */
public interface Connector {
    /**
     * Starts connecting; the outcome comes later through {@code outcome}, which also receives
     * the socket's readiness once connected. Throws when the connect fails at once.
     */
    LocalSocket connect(TcpTarget target, ConnectOutcome outcome) throws IOException;
}
