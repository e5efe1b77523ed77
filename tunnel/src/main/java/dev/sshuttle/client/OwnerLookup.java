package dev.sshuttle.client;

import dev.sshuttle.firewall.Owner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Turns {@code --user}/{@code --group} (a name or a number) into ids through {@code getent},
 * so names from LDAP or sssd resolve as {@code id} would; the JDK has no public uid lookup.
 */
public final class OwnerLookup {
    private OwnerLookup() {}

    /** Owner.ANY when both are null. Throws with a sentence when a name is unknown. */
    public static Owner resolve(String user, String group) throws IOException {
        return new Owner(user == null ? null : id("passwd", user, "user"), group == null ? null : id("group", group, "group"));
    }

    private static int id(String database, String nameOrNumber, String what) throws IOException {
        if (nameOrNumber.matches("\\d{1,9}")) return Integer.parseInt(nameOrNumber);
        Process p = new ProcessBuilder("getent", database, nameOrNumber).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out;
        try {
            out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("getent " + database + " " + nameOrNumber + " did not answer within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking up " + what + " " + nameOrNumber, e);
        }
        // name:password:ID:...
        String[] fields = out.split("\\n")[0].split(":");
        if (p.exitValue() != 0 || fields.length < 3 || !fields[2].matches("\\d{1,9}")) {
            throw new IOException("no such " + what + ": " + nameOrNumber);
        }
        return Integer.parseInt(fields[2]);
    }
}
