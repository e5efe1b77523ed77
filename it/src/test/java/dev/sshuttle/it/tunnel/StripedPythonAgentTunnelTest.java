package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The data contract with the mux striped over 4 channels of the one ssh connection, Python agent. */
class StripedPythonAgentTunnelTest extends TunnelDataContract {
    @Override
    String[] agentArgs() {
        return new String[] {"-v", "--agent", "python", "--channels", "4"};
    }

    @Test
    void theSessionIsStripedOverFourChannels() {
        assertTrue(clientLog().contains("striping over 4 ssh channels"), "the client did not stripe; log:\n" + clientLog());
    }
}
