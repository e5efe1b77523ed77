package dev.sshuttle.cli;

/** The version from the jar manifest (Implementation-Version), or "dev" when run from classes. */
public final class Version {
    private Version() {}

    public static String number() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static String line() {
        return "sshuttle (Java) " + number() + ", protocols 0001 (sshuttle 1.x) and 0002";
    }
}
