package dev.sshuttle.agent;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python agent under the select() batches of mixed resets: an event whose socket an
 * earlier event of the same batch closed is skipped, and an error on one socket resets that
 * channel instead of ending the session (it used to die with EBADF). The checks are Python
 * (stale_events_check.py) since they call the agent's functions directly.
 */
class PythonAgentStaleEventsTest {
    @Test
    void staleEventsAreSkippedAndSocketErrorsStayInTheirChannel(@TempDir Path dir) throws Exception {
        PythonCheckScript.run(dir, "stale_events_check.py",
                "reset then stale connect event",
                "fd reused in the same batch",
                "socket error ends the channel, not the session");
    }
}
