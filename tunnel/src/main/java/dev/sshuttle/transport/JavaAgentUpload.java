package dev.sshuttle.transport;

import dev.sshuttle.exit.ExitCodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Runs the Java agent on a remote with a JDK 25: the jar travels over the same ssh session the
 * first time and is cached under ~/.cache/sshuttle-java/ by its SHA-256, so later starts send
 * nothing but the options line.
 *
 * <p>Exchange: the remote script prints {@code SSHUTTLE-JAR HAVE} or {@code SSHUTTLE-JAR NEED};
 * on NEED the client sends exactly the jar's bytes and waits for {@code SSHUTTLE-JAR STORED}
 * (so `head -c` cannot swallow anything that follows), or {@code SSHUTTLE-JAR NOSTORE} when the
 * cache cannot be written (disk full: the partial file is removed); {@code SSHUTTLE-JAR NOJAVA}
 * means no usable JDK. Then the agent reads its options line and writes the sync header as usual.
 */
public final class JavaAgentUpload {
    /**
     * The remote agent shares a host we are only guests on: the client's memory choices (see
     * tunnel/jvm.options for why each): the serial collector with a small capped heap, a cap
     * on direct chunks, compact object headers, freed native memory trimmed every 2 s, exit at once on an OutOfMemoryError. Before
     * this it ran G1 from a 16 MiB start and sat at ~85-97 MiB resident after 10,000 mixed
     * connections; the serial collector uncapped grew its heap without bound under traffic.
     */
    static final List<String> AGENT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx64m",
            "-XX:MaxDirectMemorySize=512m", "-XX:+UseCompactObjectHeaders", "-XX:TrimNativeHeapInterval=2000",
            "-XX:+ExitOnOutOfMemoryError");
    /**
     * The agent's own class-data archive beside its jar in the 0700 cache: the first session
     * writes it when the agent exits, later ones load their classes from it; the JVM checks it
     * against this JDK and jar and makes a new one when it does not fit (JDK 19+ dynamic CDS).
     */
    static final String CDS_OPTIONS = "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=\"$J.jsa\" -Xlog:cds=off -Xlog:aot=off";
    /** glibc's malloc arenas for the agent JVM's threads (see the launcher): two, not eight per core. */
    static final String AGENT_ENVIRONMENT = "MALLOC_ARENA_MAX=2";

    private static final String TAG = "SSHUTTLE-JAR ";
    private static final int MAX_LINE = 4096;

    private final Path jar;
    private final String sha256;
    private final long size;

    public JavaAgentUpload(Path jar) throws IOException {
        this.jar = jar;
        this.size = Files.size(jar);
        this.sha256 = sha256(jar);
    }

    /**
     * The shell command ssh runs remotely (one argument after "--"). The JDK is the first of
     * {@code javaPath} (--remote-java), $JAVA_HOME, java on the PATH, /usr/lib/jvm/* that is 25 or newer.
     */
    public String remoteCommand(String javaPath) {
        return remoteCommand(javaPath, null);
    }

    /**
     * As {@link #remoteCommand(String)}; with a fallback script (the Python agent's, for
     * {@code --agent auto}), a remote without a JDK 25 answers NOJAVA and runs that script
     * instead of exiting, so the same ssh session carries on with the other agent.
     */
    public String remoteCommand(String javaPath, String fallbackScript) {
        String candidates = (javaPath == null ? "" : ShellQuote.quote(javaPath) + " ")
                + "\"$JAVA_HOME/bin/java\" java /usr/lib/jvm/*/bin/java";
        // the cache: created 0700; one that is a symlink, not ours, or writable by group or others
        // is refused (someone could swap the jar between our check and java -jar). A cached jar is
        // used only when it is ours, a plain file, and has the right size and SHA-256 (sha256sum,
        // shasum or openssl; with none of them it is sent again every time).
        String script = "D=\"$HOME/.cache/sshuttle-java\"; J=\"$D/" + sha256 + ".jar\"; X=; "
                // the version from the JDK's release file when there is one: each `java -version` is a JVM start
                + "for c in " + candidates + "; do "
                + "if [ \"$c\" = java ]; then c=$(command -v java 2>/dev/null) || continue; c=$(readlink -f \"$c\" 2>/dev/null || echo \"$c\"); fi; "
                + "v=; r=\"${c%/bin/java}/release\"; if [ \"$r\" != \"$c/release\" ] && [ -x \"$c\" ] && [ -r \"$r\" ]; then "
                + "v=$(sed -n 's/^JAVA_VERSION=\"\\([0-9]*\\).*/\\1/p' \"$r\"); fi; "
                + "[ -n \"$v\" ] || v=$(\"$c\" -version 2>&1 | sed -n 's/.*version \"\\([0-9]*\\).*/\\1/p' | head -n 1); "
                + "if [ \"${v:-0}\" -ge 25 ] 2>/dev/null; then X=$c; break; fi; done; "
                + "if [ -z \"$X\" ]; then echo '" + TAG + "NOJAVA'; "
                + (fallbackScript == null ? "exit " + ExitCodes.REMOTE_NO_JAVA : fallbackScript) + "; fi; "
                + "[ -d \"$D\" ] || { mkdir -p \"${D%/*}\" && mkdir -m 700 \"$D\"; } 2>/dev/null; "
                + "if [ -d \"$D\" ] && { [ -L \"$D\" ] || [ ! -O \"$D\" ] || [ -n \"$(find \"$D\" -prune \\( -perm -0020 -o -perm -0002 \\) -print)\" ]; }; "
                + "then echo '" + TAG + "BADCACHE'; exit " + ExitCodes.REMOTE_FATAL + "; fi; "
                + "h() { sha256sum \"$1\" 2>/dev/null || shasum -a 256 \"$1\" 2>/dev/null || openssl dgst -sha256 -r \"$1\" 2>/dev/null; }; "
                + "ok=; if [ -f \"$J\" ] && [ ! -L \"$J\" ] && [ -O \"$J\" ] && [ \"$(wc -c < \"$J\")\" -eq " + size + " ]; then "
                + "case \"$(h \"$J\")\" in " + sha256 + "*) ok=1;; esac; fi; "
                + "if [ -n \"$ok\" ]; then echo '" + TAG + "HAVE'; else echo '" + TAG + "NEED'; "
                + "if [ -d \"$D\" ] && head -c " + size + " > \"$J.$$\" && [ \"$(wc -c < \"$J.$$\")\" -eq " + size + " ] "
                + "&& mv -f \"$J.$$\" \"$J\"; "
                + "then echo '" + TAG + "STORED'; else rm -f \"$J.$$\"; echo '" + TAG + "NOSTORE'; exit " + ExitCodes.REMOTE_FATAL + "; fi; fi; "
                + "export " + AGENT_ENVIRONMENT + "; exec \"$X\" " + String.join(" ", AGENT_JVM_OPTIONS)
                + " " + CDS_OPTIONS + " -jar \"$J\" --server";
        return "/bin/sh -c " + ShellQuote.quote(script);
    }

    /** Plays the client's side of the exchange. Returns once the agent is running. */
    public void upload(InputStream in, OutputStream out) throws IOException {
        String answer = readTag(in);
        switch (answer) {
            case "HAVE" -> { }
            case "NEED" -> {
                IOException sending = null;
                try (InputStream data = Files.newInputStream(jar)) {
                    data.transferTo(out);
                    out.flush();
                } catch (IOException e) {
                    sending = e; // the remote may have given up (disk full): its answer says why
                }
                String stored;
                try {
                    stored = readTag(in);
                } catch (IOException e) {
                    if (sending != null) e.addSuppressed(sending);
                    throw e;
                }
                if (stored.equals("NOSTORE")) {
                    throw new IOException("the remote could not store the agent jar (" + size / 1024 + " KiB) under "
                            + "~/.cache/sshuttle-java: disk full or not writable; free some space there, or use --agent python");
                }
                if (!stored.equals("STORED")) throw new IOException("the remote did not store the agent jar: " + stored);
            }
            case "NOJAVA" -> throw new NoRemoteJavaException();
            case "BADCACHE" -> throw new IOException("the remote's ~/.cache/sshuttle-java is a symlink, not yours, or writable"
                    + " by others: the agent jar is not run from there; make it yours with mode 700, or use --agent python");
            default -> throw new IOException("unexpected answer from the remote: " + answer);
        }
    }

    /** The remote has no JDK 25: --agent java cannot work there. */
    public static final class NoRemoteJavaException extends IOException {
        NoRemoteJavaException() {
            super("the remote has no JDK 25 ('java' missing or older): use the Python agent (--agent python)");
        }
    }

    private static String readTag(InputStream in) throws IOException {
        for (int lines = 0; lines < 200; lines++) { // skip motd-like noise, bounded
            String line = readLine(in);
            if (line == null) throw new IOException("the remote closed the connection before the agent started");
            int at = line.indexOf(TAG);
            if (at >= 0) return line.substring(at + TAG.length()).strip();
        }
        throw new IOException("no answer from the remote agent launcher in 200 lines of output");
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (line.size() < MAX_LINE) {
            int b = in.read();
            if (b < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            if (b == '\n') return line.toString(StandardCharsets.UTF_8);
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}
