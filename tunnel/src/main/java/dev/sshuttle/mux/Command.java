package dev.sshuttle.mux;

/** Command values of the mux protocol: the 15 classic ones (0001) and ours (0002, from 0x4210). */
public final class Command {
    private Command() {}

    public static final int EXIT = 0x4200;
    public static final int PING = 0x4201;
    public static final int PONG = 0x4202;
    public static final int TCP_CONNECT = 0x4203;
    public static final int TCP_STOP_SENDING = 0x4204;
    public static final int TCP_EOF = 0x4205;
    public static final int TCP_DATA = 0x4206;
    public static final int ROUTES = 0x4207;
    public static final int HOST_REQ = 0x4208;
    public static final int HOST_LIST = 0x4209;
    public static final int DNS_REQ = 0x420a;
    public static final int DNS_RESPONSE = 0x420b;
    public static final int UDP_OPEN = 0x420c;
    public static final int UDP_DATA = 0x420d;
    public static final int UDP_CLOSE = 0x420e;

    // 0002
    public static final int TCP_WINDOW = 0x4210;
    public static final int TCP_CONNECTED = 0x4211;
    public static final int TCP_CONNECT_FAILED = 0x4212;
    public static final int TCP_RESET = 0x4213;

    private static final int FIRST_CLASSIC = EXIT;
    private static final int LAST_CLASSIC = UDP_CLOSE;
    private static final int FIRST_EXTENDED = TCP_WINDOW;
    private static final int LAST_EXTENDED = TCP_RESET;

    public static boolean isKnown(int command, ProtocolVersion version) {
        if (command >= FIRST_CLASSIC && command <= LAST_CLASSIC) return true;
        return version == ProtocolVersion.V2 && command >= FIRST_EXTENDED && command <= LAST_EXTENDED;
    }

    public static String name(int command) {
        return switch (command) {
            case EXIT -> "EXIT";
            case PING -> "PING";
            case PONG -> "PONG";
            case TCP_CONNECT -> "TCP_CONNECT";
            case TCP_STOP_SENDING -> "TCP_STOP_SENDING";
            case TCP_EOF -> "TCP_EOF";
            case TCP_DATA -> "TCP_DATA";
            case ROUTES -> "ROUTES";
            case HOST_REQ -> "HOST_REQ";
            case HOST_LIST -> "HOST_LIST";
            case DNS_REQ -> "DNS_REQ";
            case DNS_RESPONSE -> "DNS_RESPONSE";
            case UDP_OPEN -> "UDP_OPEN";
            case UDP_DATA -> "UDP_DATA";
            case UDP_CLOSE -> "UDP_CLOSE";
            case TCP_WINDOW -> "TCP_WINDOW";
            case TCP_CONNECTED -> "TCP_CONNECTED";
            case TCP_CONNECT_FAILED -> "TCP_CONNECT_FAILED";
            case TCP_RESET -> "TCP_RESET";
            default -> String.format("0x%04x", command);
        };
    }
}
