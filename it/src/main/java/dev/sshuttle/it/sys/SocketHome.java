package dev.sshuttle.it.sys;

/**
 * Where new sockets are created: a network namespace, or the JVM's own one. Code that opens
 * sockets through {@link #call} works unchanged in the namespace topology and in a container.
 */
@FunctionalInterface
public interface SocketHome {
    /** Code that may throw. */
    @FunctionalInterface
    interface NsCallable<T> {
        T call() throws Exception;
    }

    /** Runs code so that the sockets it creates live in this home, and returns its result. */
    <T> T call(NsCallable<T> code);

    /** The JVM's own network namespace. */
    static SocketHome current() {
        return new SocketHome() {
            @Override
            public <T> T call(NsCallable<T> code) {
                try {
                    return code.call();
                } catch (RuntimeException e) {
                    throw e;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
