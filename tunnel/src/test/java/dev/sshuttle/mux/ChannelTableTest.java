package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Channel numbers alone: allocation, kinds, the reuse delay. */
class ChannelTableTest {
    private static final long DELAY = 2_000_000_000L;

    @Test
    void handsOutTheNextFreeNumberAndSkipsCoolingOnes() {
        ChannelTable table = new ChannelTable(3, true);
        int a = table.allocate(0, DELAY);
        table.putTcp(new TcpChannel(a, MuxConfig.defaults()));
        int b = table.allocate(0, DELAY);
        table.putDns(b);
        assertEquals(1, a);
        assertEquals(2, b);
        table.free(a, 0);
        int c = table.allocate(1, DELAY);
        table.putUdp(c);
        assertEquals(3, c);
        assertEquals(-1, table.allocate(1, DELAY), "1 cools down, 2 and 3 are taken");
        assertEquals(1, table.allocate(DELAY, DELAY), "after the delay 1 is free again");
        assertEquals(2, table.count());
        assertEquals(0, table.tcpCount());
    }
}
