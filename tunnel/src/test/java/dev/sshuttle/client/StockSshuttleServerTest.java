package dev.sshuttle.client;

import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.testkit.Prerequisites;
import dev.sshuttle.transport.ProcessTransport;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * Classic interoperability: our client against the stock sshuttle 1.x server (Debian's
 * package), which speaks only 0001; the client falls back to classic latency control.
 */
class StockSshuttleServerTest extends TunnelContract {
    private static final Path STOCK = Path.of("/usr/lib/python3/dist-packages/sshuttle/server.py");

    @BeforeAll
    static void needStockSshuttle() {
        Prerequisites.require(Files.isRegularFile(STOCK) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "Debian's sshuttle package (stock 1.x server) is not installed: apt-get install sshuttle");
    }

    @Override
    Transport transport() throws IOException {
        return ProcessTransport.start(List.of("/usr/bin/python3", "-c",
                "import sshuttle.server as s; s.main(True, 32768, False, None, False)"), "stock sshuttle server");
    }

    @Override
    byte[] preamble() {
        return new byte[0];
    }

    @Override
    ProtocolVersion expectedVersion() {
        return ProtocolVersion.V1;
    }
}
