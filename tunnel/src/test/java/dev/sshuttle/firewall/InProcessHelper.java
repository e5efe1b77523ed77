package dev.sshuttle.firewall;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@link FirewallHelper} in this JVM on given input (the it module's namespace tests use it too). */
public final class InProcessHelper {
    /** What one helper run printed and returned. */
    public record Outcome(int status, String out, String err) {}

    private InProcessHelper() {}

    /** Every in-process run gets a hosts file of its own: HOST lines must never reach the machine's /etc/hosts. */
    public static Outcome run(List<String> args, String input) {
        try {
            Path hosts = Files.createTempFile("sshj-hosts-", "");
            try {
                return run(args, input, hosts);
            } finally {
                Files.deleteIfExists(hosts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Outcome run(List<String> args, String input, Path hostsFile) {
        args = new ArrayList<>(args);
        args.addAll(List.of("--hosts-file", hostsFile.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = FirewallHelper.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)),
                new PrintStream(out, true, StandardCharsets.US_ASCII), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.US_ASCII), err.toString(StandardCharsets.UTF_8));
    }
}
