package dev.sshuttle.it.tunnel;

/** The default: the Python agent streamed over ssh. */
class PythonAgentTunnelTest extends TunnelDataContract {
    @Override
    String[] agentArgs() {
        return new String[] {"-v"};
    }
}
