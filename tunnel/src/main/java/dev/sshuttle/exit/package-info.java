/**
 * The one table of exit codes ({@link dev.sshuttle.exit.ExitCodes}): the client's, the firewall
 * helper's, and those the remote (ssh, the agents) ends with. Below every package that exits, so
 * that none of them writes an exit code as a number.
 * <p>
 * Allowed imports: none of ours.
 */
package dev.sshuttle.exit;
