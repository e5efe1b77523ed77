package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The data contract with the mux striped over 4 channels of the one ssh connection, Java agent. */
class StripedJavaAgentTunnelTest extends TunnelDataContract {
    @Override
    String[] agentArgs() {
        return new String[] {"-v", "--agent", "java", "--channels", "4"};
    }

    @Test
    void theSessionIsStripedOverFourChannels() {
        assertTrue(clientLog().contains("striping over 4 ssh channels"), "the client did not stripe; log:\n" + clientLog());
    }

    @AfterAll
    void removeUploadedJar() throws IOException {
        Tunnels.removeUploadedJavaAgent();
    }
}
