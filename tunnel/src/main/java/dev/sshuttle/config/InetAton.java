package dev.sshuttle.config;

/**
 * IPv4 text as inet_aton(3) reads it: one to four parts separated by dots, each decimal,
 * octal (leading 0) or hex (leading 0x); the last part fills all remaining bytes. This is
 * what sshuttle gets from getaddrinfo, hence {@code 10/8} meaning 0.0.0.10/8.
 */
final class InetAton {
    private InetAton() {}

    /** The four bytes, or null when {@code text} is not an inet_aton literal. */
    static byte[] parse(String text) {
        if (text.isEmpty() || text.startsWith(".") || text.endsWith(".")) return null;
        String[] parts = text.split("\\.", -1);
        if (parts.length > 4) return null;
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = parsePart(parts[i]);
            if (values[i] < 0) return null;
        }
        long result = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            if (values[i] > 0xff) return null;
            result |= values[i] << (24 - 8 * i);
        }
        int lastBits = 32 - 8 * (parts.length - 1);
        long last = values[parts.length - 1];
        if (last >= (1L << lastBits)) return null;
        result |= last;
        return new byte[] {(byte) (result >>> 24), (byte) (result >>> 16), (byte) (result >>> 8), (byte) result};
    }

    /** The part's value, or -1 if it is not a number in C's base-0 notation (or too large). */
    private static long parsePart(String part) {
        int radix = 10;
        String digits = part;
        if (part.length() > 1 && (part.startsWith("0x") || part.startsWith("0X"))) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() > 1 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty() || digits.length() > 12) return -1;
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0 || digits.charAt(i) > 0x7f) return -1;
            value = value * radix + d;
        }
        return value;
    }
}
