package dev.sshuttle.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** How the agent is started on the far side: the remote command, and what is sent before the mux. */
public interface AgentLaunch {
    /** The command the remote shell runs (one argument after ssh's "--"). */
    String remoteCommand();

    /** Bytes written to the agent's stdin before its sync header is expected (agent code, options). */
    byte[] preamble();

    /** A dialogue that must happen before the preamble (the Java agent's jar upload); default none. */
    default void beforePreamble(InputStream in, OutputStream out) throws IOException {}

    /** The extra ssh channels the options ask the agent for (--channels), or null: one channel. */
    default dev.sshuttle.stripe.StripeClient stripe() {
        return null;
    }

    /** {@code base} (whose agent options ask for striping) with the client side of it. */
    static AgentLaunch striped(AgentLaunch base, dev.sshuttle.stripe.StripeClient stripe) {
        return new AgentLaunch() {
            public String remoteCommand() {
                return base.remoteCommand();
            }

            public byte[] preamble() {
                return base.preamble();
            }

            public void beforePreamble(InputStream in, OutputStream out) throws IOException {
                base.beforePreamble(in, out);
            }

            public dev.sshuttle.stripe.StripeClient stripe() {
                return stripe;
            }
        };
    }
}
