package dev.sshuttle.io;

import java.io.IOException;

/** Readiness of an outbound connection, plus how its connect ended (always reported later, never from connect itself). */
public interface ConnectOutcome extends Readiness {
    void onConnected();

    void onConnectFailed(IOException e);
}
