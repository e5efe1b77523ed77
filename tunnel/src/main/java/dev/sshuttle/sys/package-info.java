/**
 * Linux system calls the JDK lacks, through FFM (no JNI): the original destination of a
 * redirected connection ({@link dev.sshuttle.sys.OriginalDestination}), IP_TRANSPARENT
 * ({@link dev.sshuttle.sys.SocketOptions}) and the fd behind a JDK channel
 * ({@link dev.sshuttle.sys.ChannelFd}). Failures are {@link dev.sshuttle.sys.NativeIOException}s
 * that name the call and the errno. Needs {@code --enable-native-access=ALL-UNNAMED} and
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (both in the jar manifest).
 */
package dev.sshuttle.sys;
