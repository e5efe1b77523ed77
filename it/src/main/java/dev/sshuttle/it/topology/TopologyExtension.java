package dev.sshuttle.it.topology;

import dev.sshuttle.testkit.Prerequisites;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(TopologyExtension.class)}: one {@link Topology} per test class, injected
 * as a parameter into test methods, constructors and {@code @BeforeAll/@BeforeEach} methods,
 * and closed after the class. Without root or a needed tool the class is skipped with the
 * reason (under CI=true it fails instead).
 */
public final class TopologyExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TopologyExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        // a missing prerequisite is reported per test (beforeEach), so every skipped test shows the reason
        if (!Prerequisites.missingRootOrTools(Topology.TOOLS).isEmpty()) return;
        context.getStore(NS).computeIfAbsent(Topology.class, k -> Topology.start(), Topology.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Prerequisites.requireRootAndTools(Topology.TOOLS);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Topology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Topology t = context.getStore(NS).get(Topology.class, Topology.class);
        if (t == null) Prerequisites.requireRootAndTools(Topology.TOOLS); // skips (or fails on CI) with the reason
        if (t == null) throw new IllegalStateException("no topology: register TopologyExtension on the test class");
        return t;
    }
}
