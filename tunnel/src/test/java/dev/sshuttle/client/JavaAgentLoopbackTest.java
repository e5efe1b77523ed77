package dev.sshuttle.client;

import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.transport.LoopbackAgentTransport;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Our Java agent in-process, joined by loopback TCP, speaking 0002. */
class JavaAgentLoopbackTest extends TunnelContract {
    @Override
    Transport transport() throws IOException {
        return new LoopbackAgentTransport(System.err);
    }

    @Override
    byte[] preamble() {
        return "{\"protocol\": 2, \"latency_control\": true, \"latency_buffer_size\": 32768, \"verbosity\": 0}\n"
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    ProtocolVersion expectedVersion() {
        return ProtocolVersion.V2;
    }
}
