package dev.sshuttle.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyncHeaderReaderTest {
    @Test
    void skipsShellNoiseAndStopsAtTheFirstFrameByte() throws Exception {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes("Welcome to host\nLast login: yesterday\n".getBytes(StandardCharsets.US_ASCII));
        in.writeBytes(ProtocolVersion.V2.syncHeader());
        in.writeBytes(new byte[] {'S', 'S'});
        ByteBuffer buffer = ByteBuffer.wrap(in.toByteArray());
        SyncHeaderReader reader = new SyncHeaderReader();
        assertEquals(ProtocolVersion.V2, reader.feed(buffer));
        assertEquals(2, buffer.remaining(), "the frame bytes after the header stay in the buffer");
        assertEquals("Welcome to host\nLast login: yesterday", reader.junkText());
    }

    @Test
    void acceptsTheHeaderOneByteAtATime() throws Exception {
        SyncHeaderReader reader = new SyncHeaderReader();
        byte[] header = ProtocolVersion.V1.syncHeader();
        for (int i = 0; i < header.length - 1; i++) assertNull(reader.feed(ByteBuffer.wrap(header, i, 1)));
        assertEquals(ProtocolVersion.V1, reader.feed(ByteBuffer.wrap(header, header.length - 1, 1)));
    }

    @Test
    void unknownVersionIsAnErrorThatShowsWhatCame() {
        byte[] bad = "\0\0SSHUTTLE0009".getBytes(StandardCharsets.US_ASCII);
        ProtocolException e = assertThrows(ProtocolException.class, () -> new SyncHeaderReader().feed(ByteBuffer.wrap(bad)));
        assertEquals("expected server init string SSHUTTLE0001 or SSHUTTLE0002, got 'SSHUTTLE0009'", e.getMessage());
    }

    @Test
    void missingSecondNulIsAnErrorNamingTheByteAndTheNoise() {
        byte[] bad = "bash: python3: not found\n\0X".getBytes(StandardCharsets.US_ASCII);
        ProtocolException e = assertThrows(ProtocolException.class, () -> new SyncHeaderReader().feed(ByteBuffer.wrap(bad)));
        assertEquals("expected a second NUL in the sync header, got 0x58 after: bash: python3: not found", e.getMessage());
    }

    @Test
    void endlessNoiseIsAnErrorNotAnEndlessWait() {
        SyncHeaderReader reader = new SyncHeaderReader();
        byte[] noise = new byte[64 * 1024];
        java.util.Arrays.fill(noise, (byte) 'y');
        ProtocolException e = assertThrows(ProtocolException.class, () -> {
            for (int i = 0; i <= SyncHeaderReader.MAX_JUNK_BYTES / noise.length; i++) reader.feed(ByteBuffer.wrap(noise));
        });
        assertTrue(e.getMessage().startsWith("no sshuttle sync header within 1048576 bytes of remote output; it began: yyy"),
                e.getMessage());
    }
}
