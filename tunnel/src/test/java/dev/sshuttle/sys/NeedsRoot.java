package dev.sshuttle.sys;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test that needs root (network namespaces, iptables): tag {@code root}. A CI agent without
 * root leaves these out by tag ({@code .ci/run unit}), instead of failing them under CI=true;
 * they run on the root agent, whose stages build and test this module too.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("root")
public @interface NeedsRoot {}
