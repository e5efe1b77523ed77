package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sshuttle.client.ClientSession.End;
import dev.sshuttle.client.ClientSession.Reason;
import org.junit.jupiter.api.Test;

class TunnelClientExitCodeTest {
    @Test
    void aDeadConnectionFoundByTheKeepaliveIsSshFailed() {
        // ssh still runs (it cannot tell), so there is no remote exit code
        assertEquals(255, TunnelClient.exitCode(new End(Reason.KEEPALIVE_TIMEOUT, "silent", -1, true)));
    }

    @Test
    void remoteCodesThatNameTheirCausePassThrough() {
        for (int code : new int[] {97, 127, 255}) {
            assertEquals(code, TunnelClient.exitCode(new End(Reason.TRANSPORT_CLOSED, "ended", code, true)));
        }
    }

    @Test
    void anyOtherEndIsFatal() {
        assertEquals(99, TunnelClient.exitCode(new End(Reason.TRANSPORT_CLOSED, "ended", 98, true)));
        assertEquals(99, TunnelClient.exitCode(new End(Reason.PROTOCOL_ERROR, "bad frame", -1, true)));
    }
}
