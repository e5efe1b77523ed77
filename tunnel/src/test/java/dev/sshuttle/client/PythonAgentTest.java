package dev.sshuttle.client;

import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.transport.AgentBootstrap;
import dev.sshuttle.mux.AgentOptions;
import dev.sshuttle.transport.ProcessTransport;
import dev.sshuttle.transport.Transport;
import java.io.IOException;

/** Our Python agent, started through the real bootstrap (sh -c, loader, zlib), speaking 0002. */
class PythonAgentTest extends TunnelContract {
    @Override
    Transport transport() throws IOException {
        return ProcessTransport.start(AgentBootstrap.python().localArgv(), "local python agent");
    }

    @Override
    byte[] preamble() {
        return AgentBootstrap.python().stdinPreamble(AgentOptions.defaults(2));
    }

    @Override
    ProtocolVersion expectedVersion() {
        return ProtocolVersion.V2;
    }
}
