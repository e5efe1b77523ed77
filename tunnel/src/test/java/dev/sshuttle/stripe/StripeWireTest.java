package dev.sshuttle.stripe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.AgentOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StripeWireTest {
    @Test
    void anAgentThatDoesNotStripeLeavesItsFirstFrameForTheMux() throws Exception {
        byte[] ping = FrameEncoder.encode(Frame.of(0, Command.PING, "chicken"));
        StripeWire.FrameReader r = new StripeWire.FrameReader(ByteBuffer.wrap(ping, 0, 3), new ByteArrayInputStream(ping, 3, ping.length - 3));
        assertNull(r.nextIf(StripeWire.STRIPE_OFFER));
        ByteBuffer rest = r.rest();
        byte[] back = new byte[rest.remaining()];
        rest.get(back);
        assertArrayEquals(ping, back, "the PING is handed on whole");
    }

    @Test
    void startFramesRoundTripAndBadOnesAreProtocolErrors() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StripeWire.writeFrame(out, StripeWire.STRIPE_START, StripeWire.startPayload(List.of(1, 3, 2)));
        StripeWire.FrameReader r = new StripeWire.FrameReader(ByteBuffer.allocate(0), new ByteArrayInputStream(out.toByteArray()));
        assertEquals(List.of(1, 3, 2), StripeWire.startLanes(r.next()));
        assertThrows(ProtocolException.class, () -> StripeWire.startLanes(new Frame(0, StripeWire.STRIPE_START, new byte[] {2, 1, 1})));
        assertThrows(ProtocolException.class, () -> StripeWire.startLanes(new Frame(0, StripeWire.STRIPE_START, new byte[] {1, 16})));
        assertThrows(ProtocolException.class, () -> StripeWire.startLanes(new Frame(0, StripeWire.STRIPE_START, new byte[] {2, 1})));
    }

    @Test
    void theOptionsLineIsUnchangedWithoutStripingAndCarriesItWhenAsked() {
        AgentOptions plain = AgentOptions.defaults(2);
        assertFalse(plain.toJsonLine().contains("stripe"), plain.toJsonLine());
        AgentOptions.Stripe s = new AgentOptions.Stripe("/tmp/sshuttle-ch-00/s", "00112233445566778899aabbccddeeff", 15);
        assertEquals(s, AgentOptions.parse(plain.withStripe(s).toJsonLine()).stripe());
        assertNull(AgentOptions.parse(plain.toJsonLine()).stripe());
    }

    @Test
    void autoChannelsFollowTheRoundTripWithACap() {
        assertEquals(0, StripeClient.autoExtraLanes(Duration.ofMillis(1)));
        assertEquals(3, StripeClient.autoExtraLanes(Duration.ofMillis(10)));
        assertEquals(15, StripeClient.autoExtraLanes(Duration.ofMillis(50)));
        assertEquals(15, StripeClient.autoExtraLanes(Duration.ofMillis(150)));
    }
}
