package dev.sshuttle.it.tunnel;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;

/** --agent java: the jar uploaded over the same ssh session, cached by hash, run with the remote JDK 25. */
class JavaAgentTunnelTest extends TunnelDataContract {
    @Override
    String[] agentArgs() {
        return new String[] {"-v", "--agent", "java"};
    }

    /** The gateway's sshd runs as root on this machine: remove the jar cache this test created there. */
    @AfterAll
    void removeUploadedJar() throws IOException {
        Tunnels.removeUploadedJavaAgent();
    }
}
