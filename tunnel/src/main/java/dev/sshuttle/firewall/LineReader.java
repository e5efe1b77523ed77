package dev.sshuttle.firewall;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads '\n'-terminated lines with a length limit, so a peer cannot make us buffer without end. */
final class LineReader {
    static final int MAX_LINE_BYTES = 4096;
    private final InputStream in;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** Whether more input can be read without blocking (the rest of a burst). */
    boolean ready() throws IOException {
        return in.available() > 0;
    }

    /** The next line without its terminator (and without a '\r' before it), or null at EOF. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b == -1) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            if (b == '\n') break;
            if (line.size() >= MAX_LINE_BYTES) throw new IOException("line longer than " + MAX_LINE_BYTES + " bytes");
            line.write(b);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
