package dev.sshuttle.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Finds the server's sync header in the stream: skips any text before the first NUL (motd,
 * rc-file noise), expects a second NUL, then 12 bytes naming the version. Bounded: more than
 * {@link #MAX_JUNK_BYTES} of noise is an error, not an endless wait.
 */
public final class SyncHeaderReader {
    public static final int MAX_JUNK_BYTES = 1 << 20;
    private static final int MAGIC_BYTES = 12;

    private int state; // 0 = junk, 1 = second NUL, 2 = magic
    private final byte[] magic = new byte[MAGIC_BYTES];
    private int magicFilled;
    private long junk;
    private final StringBuilder junkText = new StringBuilder();
    private ProtocolVersion version;

    /**
     * Consumes bytes up to the end of the header. Returns the version once complete (the
     * buffer is then positioned at the first frame byte), or null if more bytes are needed.
     */
    public ProtocolVersion feed(ByteBuffer in) throws ProtocolException {
        while (version == null && in.hasRemaining()) {
            byte b = in.get();
            switch (state) {
                case 0 -> {
                    if (b == 0) {
                        state = 1;
                    } else if (++junk > MAX_JUNK_BYTES) {
                        throw new ProtocolException("no sshuttle sync header within " + MAX_JUNK_BYTES
                                + " bytes of remote output; it began: " + junkText());
                    } else if (junkText.length() < 200) {
                        junkText.append((char) (b & 0xff));
                    }
                }
                case 1 -> {
                    if (b != 0) throw new ProtocolException("expected a second NUL in the sync header, got 0x"
                            + Integer.toHexString(b & 0xff) + " after: " + junkText());
                    state = 2;
                }
                default -> {
                    magic[magicFilled++] = b;
                    if (magicFilled == MAGIC_BYTES) {
                        String text = new String(magic, StandardCharsets.US_ASCII);
                        version = ProtocolVersion.fromMagic(text);
                        if (version == null) {
                            throw new ProtocolException("expected server init string SSHUTTLE0001 or SSHUTTLE0002, got '"
                                    + text.replaceAll("[^\\x20-\\x7e]", "?") + "'");
                        }
                    }
                }
            }
        }
        return version;
    }

    /** What the remote printed before the header (first 200 characters), for error messages. */
    public String junkText() {
        return junkText.toString().strip();
    }
}
