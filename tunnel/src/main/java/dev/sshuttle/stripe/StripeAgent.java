package dev.sshuttle.stripe;

import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/** The Java agent's side of the stripe handshake, right after its 0002 sync header. */
public final class StripeAgent {
    private StripeAgent() {}

    /** The extra lanes in use (empty: one channel), and bytes read past the handshake. */
    public record Lanes(List<SocketChannel> extra, ByteBuffer rest) {}

    /**
     * Offers the lanes it can listen for (or 0 and why not), waits for the client's
     * STRIPE_START, takes the lanes it names and echoes it. Blocking, before the mux starts.
     */
    public static Lanes handshake(AgentOptions.Stripe asked, InputStream in, OutputStream out, Consumer<String> debug)
            throws IOException, ProtocolException {
        StripeListener listener;
        try {
            listener = StripeListener.open(asked.socket(), StripeWire.token(asked.token()),
                    Math.max(0, Math.min(asked.lanes(), StripeWire.MAX_EXTRA_LANES)), debug);
        } catch (IOException | IllegalArgumentException e) {
            byte[] why = ("cannot listen on " + asked.socket() + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
            byte[] payload = new byte[1 + Math.min(why.length, 1000)];
            System.arraycopy(why, 0, payload, 1, payload.length - 1);
            StripeWire.writeFrame(out, StripeWire.STRIPE_OFFER, payload);
            debug.accept("no striping: " + e.getMessage());
            return new Lanes(List.of(), ByteBuffer.allocate(0));
        }
        try (listener) {
            StripeWire.writeFrame(out, StripeWire.STRIPE_OFFER, new byte[] {(byte) listener.maxLanes()});
            StripeWire.FrameReader reader = new StripeWire.FrameReader(ByteBuffer.allocate(0), in);
            List<Integer> lanes = StripeWire.startLanes(reader.next());
            List<SocketChannel> extra = listener.take(lanes);
            StripeWire.writeFrame(out, StripeWire.STRIPE_START, StripeWire.startPayload(lanes));
            debug.accept(extra.isEmpty() ? "one channel" : "striping over " + (extra.size() + 1) + " channels");
            return new Lanes(extra, reader.rest());
        }
    }
}
