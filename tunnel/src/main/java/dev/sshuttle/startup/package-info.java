/**
 * The start-up timeline printed with -v ({@link dev.sshuttle.startup.StartTimeline}).
 * <p>
 * Allowed imports: none of ours.
 */
package dev.sshuttle.startup;
