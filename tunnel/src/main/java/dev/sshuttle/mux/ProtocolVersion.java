package dev.sshuttle.mux;

import java.nio.charset.StandardCharsets;

/** The two dialects: sshuttle's classic 0001 and our extended 0002. */
public enum ProtocolVersion {
    V1("SSHUTTLE0001"),
    V2("SSHUTTLE0002");

    private final String magic;

    ProtocolVersion(String magic) {
        this.magic = magic;
    }

    /** The 14-byte sync header the server writes once, in one write. */
    public byte[] syncHeader() {
        byte[] text = magic.getBytes(StandardCharsets.US_ASCII);
        byte[] header = new byte[2 + text.length];
        System.arraycopy(text, 0, header, 2, text.length);
        return header;
    }

    public String magic() {
        return magic;
    }

    public static ProtocolVersion fromMagic(String magic) {
        for (ProtocolVersion v : values()) if (v.magic.equals(magic)) return v;
        return null;
    }
}
