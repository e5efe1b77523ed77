package dev.sshuttle.sim;

import java.util.SplittableRandom;

/**
 * Damages a byte stream the way OpenSSH's regress/modpipe does: flip a byte, drop one,
 * duplicate one, or cut the stream short. Each chunk is hit with probability
 * {@code perMillion / 1e6}; after a truncation nothing more is delivered.
 */
final class Corruptor {
    enum Kind { FLIP, DROP, DUPLICATE, TRUNCATE }

    private final SplittableRandom random;
    private final int perMillion;
    private boolean truncated;
    private int damages;

    Corruptor(SplittableRandom random, int perMillion) {
        this.random = random;
        this.perMillion = perMillion;
    }

    /** Returns the chunk as delivered: possibly damaged, possibly empty. */
    byte[] apply(byte[] chunk) {
        if (truncated) return new byte[0];
        if (perMillion <= 0 || chunk.length == 0 || random.nextInt(1_000_000) >= perMillion) return chunk;
        damages++;
        int at = random.nextInt(chunk.length);
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        return switch (kind) {
            case FLIP -> {
                chunk[at] ^= (byte) (1 << random.nextInt(8));
                yield chunk;
            }
            case DROP -> splice(chunk, at, 1, new byte[0]);
            case DUPLICATE -> splice(chunk, at, 0, new byte[] {chunk[at]});
            case TRUNCATE -> {
                truncated = true;
                yield java.util.Arrays.copyOf(chunk, at);
            }
        };
    }

    boolean truncated() {
        return truncated;
    }

    int damages() {
        return damages;
    }

    private static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
        byte[] out = new byte[in.length - remove + insert.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(in, at + remove, out, at + insert.length, in.length - at - remove);
        return out;
    }
}
