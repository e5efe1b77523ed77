package dev.sshuttle.it.tunnel;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;

/** Ways the fault proxy kills the tunnel's ssh connection in the middle of a transfer. */
enum SshCut {
    /** Next data from sshd: both sides of the ssh connection get a TCP reset. */
    RESET_PEER(false) {
        void apply(Proxy ssh) throws IOException {
            ssh.toxics().resetPeer("cut", ToxicDirection.DOWNSTREAM, 0);
        }
    },
    /** Data stops both ways while the connection stays open: only a keepalive can tell. */
    STALL(true) {
        void apply(Proxy ssh) throws IOException {
            ssh.toxics().timeout("stall-up", ToxicDirection.UPSTREAM, 0);
            ssh.toxics().timeout("stall-down", ToxicDirection.DOWNSTREAM, 0);
        }
    },
    /** The byte budget is already spent mid-transfer, so the next data closes the connection (FIN). */
    LIMIT_DATA(false) {
        void apply(Proxy ssh) throws IOException {
            ssh.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, 1);
        }
    },
    /** The proxy goes away: its listener and every connection through it close. */
    DISABLE(false) {
        void apply(Proxy ssh) throws IOException {
            ssh.disable();
        }
    };

    private final boolean silent;

    SshCut(boolean silent) {
        this.silent = silent;
    }

    /** True when ssh itself cannot notice (no error, no EOF): the client's keepalive must. */
    boolean silent() {
        return silent;
    }

    abstract void apply(Proxy ssh) throws IOException;
}
