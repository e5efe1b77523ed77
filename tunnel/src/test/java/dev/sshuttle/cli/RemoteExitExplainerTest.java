package dev.sshuttle.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RemoteExitExplainerTest {

    @Test
    void noPythonSaysInstallOrUsePython() {
        String s = RemoteExitExplainer.explain(97, false);
        assertTrue(s.contains("install python3") && s.contains("--python"), s);
    }

    @Test
    void sshFailedPointsAtExcludeOnlyWhenTheHostIsCaptured() {
        String inside = RemoteExitExplainer.explain(255, true, null, "gw.example");
        assertTrue(inside.contains("-x gw.example"), inside);
        String outside = RemoteExitExplainer.explain(255, false, null, "gw.example");
        assertFalse(outside.contains("-x"), outside);
        assertTrue(outside.contains("ssh gw.example"), outside);
    }

    @Test
    void notFoundDependsOnPython() {
        assertTrue(RemoteExitExplainer.explain(127, false).contains("/bin/sh"));
        String abs = RemoteExitExplainer.explain(127, false, "/opt/py/bin/python3", null);
        assertTrue(abs.contains("/opt/py/bin/python3") && abs.contains("restricted shell"), abs);
        assertFalse(RemoteExitExplainer.explain(127, false, "python3", null).contains("restricted"));
    }

    @Test
    void otherCodes() {
        assertTrue(RemoteExitExplainer.explain(98, false).contains("--python"));
        assertTrue(RemoteExitExplainer.explain(99, false).contains("-vv"));
        assertTrue(RemoteExitExplainer.explain(137, false).contains("signal 9"));
        for (int code : new int[] {0, 1, 2, 42, 97, 98, 99, 127, 255}) {
            String s = RemoteExitExplainer.explain(code, code % 2 == 0);
            assertTrue(s.contains(String.valueOf(code)) && !s.contains("\n"), s);
        }
    }
}
