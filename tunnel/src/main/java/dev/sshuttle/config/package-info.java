/**
 * The user's input as values: sshuttle's subnet syntax ({@link dev.sshuttle.config.SubnetParser}),
 * the remote, listen addresses, @FILE arguments and SSHUTTLE_ARGS, the first-match order of the
 * capture rules ({@link dev.sshuttle.config.CaptureRules}), all gathered in
 * {@link dev.sshuttle.config.ClientOptions}. Bad input is a
 * {@link dev.sshuttle.config.BadArgumentException} with one line for the user.
 * <p>
 * Allowed imports: {@code net}; nothing else of ours. It parses and checks, it starts nothing.
 */
package dev.sshuttle.config;
