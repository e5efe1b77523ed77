/**
 * Linux system calls the JDK lacks, through FFM (no JNI): the original destination of a
 * redirected connection ({@link dev.sshuttle.sys.OriginalDestination}), IP_TRANSPARENT
 * ({@link dev.sshuttle.sys.SocketOptions}) and the fd behind a JDK channel
 * ({@link dev.sshuttle.sys.ChannelFd}). Failures are {@link dev.sshuttle.sys.NativeIOException}s
 * that name the call and the errno. Needs {@code --enable-native-access=ALL-UNNAMED} and
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (both in the jar manifest).
 * <p>
 * {@link dev.sshuttle.sys.Libc} is the product's one binding of libc; the daemon code in
 * {@code cli} and the it module's test topology (setns) call it too.
 * <p>
 * Allowed imports: none of ours.
 */
package dev.sshuttle.sys;
