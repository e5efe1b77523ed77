package dev.sshuttle.firewall;

import java.io.IOException;
import java.util.List;

/** Runs one firewall tool command (iptables, nft) and reports how it ended. */
public interface CommandRunner {

    Result run(List<String> argv) throws IOException;

    /** Exit status and the combined stdout+stderr of a finished command. */
    record Result(List<String> argv, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws a {@link FirewallException} naming the command and its output unless it succeeded. */
        public Result orThrow() throws FirewallException {
            if (!ok()) throw new FirewallException(this);
            return this;
        }
    }

    /** Runs the command and throws a {@link FirewallException} if it fails. */
    default Result require(List<String> argv) throws IOException {
        return run(argv).orThrow();
    }
}
