/**
 * The start-up timeline printed with -v ({@link dev.sshuttle.startup.StartTimeline}), and how
 * another JVM of this program is started ({@link dev.sshuttle.startup.SelfLaunch}).
 * <p>
 * Allowed imports: none of ours.
 */
package dev.sshuttle.startup;
