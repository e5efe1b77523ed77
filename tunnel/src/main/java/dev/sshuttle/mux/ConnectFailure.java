package dev.sshuttle.mux;

/** Why an outbound connect failed, as carried by 0002's TCP_CONNECT_FAILED. */
public enum ConnectFailure {
    REFUSED(1), UNREACHABLE(2), TIMED_OUT(3), OTHER(4);

    public final int code;

    ConnectFailure(int code) {
        this.code = code;
    }

    public static ConnectFailure fromCode(int code) {
        for (ConnectFailure f : values()) if (f.code == code) return f;
        return OTHER;
    }
}
