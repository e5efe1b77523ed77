package dev.sshuttle.transport;

import dev.sshuttle.mux.AgentOptions;

import dev.sshuttle.exit.ExitCodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Starts the Python agent on a host that has nothing installed (docs/protocol.md, "Agent
 * bootstrap"). The command runs a one-line loader under python3 (or python, or --python PATH);
 * the loader reads exactly N bytes of zlib-compressed agent source from stdin and execs it; the
 * agent then reads the JSON options line from the same buffered stdin and writes the sync header.
 *
 * <p>Usage: run {@link #remoteCommand()} through ssh (or {@link #localArgv()} without ssh), write
 * {@link #stdinPreamble(AgentOptions)} to its stdin, then read the sync header from its stdout.
 */
public final class AgentBootstrap {
    /** Classpath location of the agent source. */
    public static final String AGENT_RESOURCE = "/agent/sshuttle_agent.py";

    private final byte[] compressedAgent;
    private final String python;

    private AgentBootstrap(byte[] compressedAgent, String python) {
        this.compressedAgent = compressedAgent;
        this.python = python;
    }

    /** Finds python3, falling back to python, on the remote PATH. */
    public static AgentBootstrap python() {
        return new AgentBootstrap(CompressedAgent.BYTES, null);
    }

    /** Runs the given interpreter (sshuttle's --python PATH) instead of searching PATH. */
    public static AgentBootstrap python(String path) {
        if (path == null || path.isBlank()) throw new IllegalArgumentException("--python needs a path");
        return new AgentBootstrap(CompressedAgent.BYTES, path);
    }

    /** Compressed once, on first use. */
    private static final class CompressedAgent {
        static final byte[] BYTES = compress(agentSource());
    }

    /** The one-liner python runs: reads N compressed bytes from the buffered stdin and execs them. */
    public String loader() {
        // No quote, '$', '\' or '`' in here: it sits inside "..." inside '...' in the shell command.
        return "import sys,zlib;exec(zlib.decompress(sys.stdin.buffer.read(" + compressedAgent.length
                + ")));sys.exit(" + ExitCodes.REMOTE_RETURNED + ")";
    }

    /** The script /bin/sh runs (unquoted). */
    public String shellScript() {
        if (python == null) {
            // command -v is the shell's own: a `python3 -V` probe cost one more interpreter start;
            // -S skips site (site-packages, .pth files: 20-30 ms here); the agent needs the stdlib only
            return "P=python3; command -v $P >/dev/null 2>&1 || P=python; exec \"$P\" -S -c \"" + loader() + "\"; exit "
                    + ExitCodes.REMOTE_NO_PYTHON;
        }
        return "exec " + ShellQuote.quote(python) + " -S -c \"" + loader() + "\"; exit " + ExitCodes.REMOTE_NO_PYTHON;
    }

    /**
     * The remote command, as ONE argument for ssh after {@code --}: ssh joins its argv with spaces
     * and the remote login shell parses the result, so the script is quoted for that shell.
     */
    public String remoteCommand() {
        return "/bin/sh -c " + ShellQuote.quote(shellScript());
    }

    /**
     * argv that runs the agent on this machine without ssh: a shell parses {@link #remoteCommand()}
     * exactly as sshd's login shell would, so the local run also checks the quoting.
     */
    public List<String> localArgv() {
        return List.of("/bin/sh", "-c", remoteCommand());
    }

    /** The bytes to write to the command's stdin: the compressed agent, then the options line. */
    public byte[] stdinPreamble(AgentOptions options) {
        byte[] line = options.toJsonLine().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[compressedAgent.length + line.length];
        System.arraycopy(compressedAgent, 0, out, 0, compressedAgent.length);
        System.arraycopy(line, 0, out, compressedAgent.length, line.length);
        return out;
    }

    static byte[] agentSource() {
        try (InputStream in = AgentBootstrap.class.getResourceAsStream(AGENT_RESOURCE)) {
            if (in == null) throw new IllegalStateException("agent source " + AGENT_RESOURCE + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + AGENT_RESOURCE, e);
        }
    }

    static byte[] compress(byte[] source) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(source);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(source.length / 2);
            byte[] chunk = new byte[8192];
            while (!deflater.finished()) out.write(chunk, 0, deflater.deflate(chunk));
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }
}
