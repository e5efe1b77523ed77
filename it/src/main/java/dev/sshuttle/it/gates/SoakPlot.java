package dev.sshuttle.it.gates;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Draws the soak's samples as a PNG with java.awt (headless): fd counts over time on top, RSS
 * in MiB below, client and agent each as a line. Enough to see a slope at a glance.
 */
final class SoakPlot {
    private static final int WIDTH = 900;
    private static final int PANEL_HEIGHT = 260;
    private static final int MARGIN = 60;
    private static final Color CLIENT = new Color(0x1f77b4);
    private static final Color AGENT = new Color(0xd62728);

    private SoakPlot() {}

    static void write(List<TunnelResources.Sample> samples, String title, Path png) throws IOException {
        PlotCanvas.write(WIDTH, 2 * PANEL_HEIGHT + MARGIN, title + "  (blue: client, red: agent)", MARGIN, g -> {
            panel(g, samples, 30, "open fds", s -> s.clientFds(), s -> s.agentFds());
            panel(g, samples, 30 + PANEL_HEIGHT, "RSS MiB", s -> s.clientRssKb() / 1024.0, s -> s.agentRssKb() / 1024.0);
        }, png);
    }

    private static void panel(Graphics2D g, List<TunnelResources.Sample> samples, int top, String label,
                              ToDoubleFunction<TunnelResources.Sample> client, ToDoubleFunction<TunnelResources.Sample> agent) {
        int left = MARGIN;
        int right = WIDTH - 20;
        int bottom = top + PANEL_HEIGHT - 40;
        double maxT = Math.max(1, samples.isEmpty() ? 1 : samples.getLast().seconds());
        double maxY = 1;
        for (TunnelResources.Sample s : samples) maxY = Math.max(maxY, Math.max(client.applyAsDouble(s), agent.applyAsDouble(s)));
        maxY *= 1.1;
        g.setColor(Color.GRAY);
        g.drawRect(left, top, right - left, bottom - top);
        g.setColor(Color.BLACK);
        g.drawString(label, 5, top + 12);
        g.drawString(String.format("%.0f", maxY), 5, top + 26);
        g.drawString("0", 5, bottom);
        g.drawString(String.format("%.0f s", maxT), right - 40, bottom + 15);
        line(g, samples, client, CLIENT, left, right, top, bottom, maxT, maxY);
        line(g, samples, agent, AGENT, left, right, top, bottom, maxT, maxY);
    }

    private static void line(Graphics2D g, List<TunnelResources.Sample> samples, ToDoubleFunction<TunnelResources.Sample> y,
                             Color color, int left, int right, int top, int bottom, double maxT, double maxY) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (TunnelResources.Sample s : samples) {
            int x = left + (int) Math.round((right - left) * s.seconds() / maxT);
            int yy = bottom - (int) Math.round((bottom - top) * y.applyAsDouble(s) / maxY);
            if (px >= 0) g.drawLine(px, py, x, yy);
            else g.fillOval(x - 2, yy - 2, 4, 4);
            px = x;
            py = yy;
        }
    }
}
