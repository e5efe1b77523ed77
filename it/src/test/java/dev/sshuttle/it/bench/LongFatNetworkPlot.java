package dev.sshuttle.it.bench;

import dev.sshuttle.it.bench.LongFatNetworkBenchmarkTest.Row;
import dev.sshuttle.it.gates.PlotCanvas;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * docs/benchmarks-lfn.png: one stream's throughput against the round trip, a line per
 * contender, download and upload side by side, with OpenSSH's one-channel ceiling (2 MiB per
 * round trip) dashed.
 */
final class LongFatNetworkPlot {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 420;
    private static final int MARGIN = 60;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x7f7f7f), new Color(0x8c564b),
            new Color(0x9467bd), new Color(0xd62728), new Color(0x2ca02c)};

    private LongFatNetworkPlot() {}

    static void write(List<Row> rows, String title, Path png) throws IOException {
        int half = (WIDTH - MARGIN) / 2;
        PlotCanvas.write(WIDTH, HEIGHT, title, MARGIN, g -> {
            panel(g, rows, Row::downMBps, "1 stream download, MB/s against round trip (ms)", MARGIN, MARGIN + half - 40);
            panel(g, rows, Row::upMBps, "1 stream upload", MARGIN + half + 20, WIDTH - 30);
        }, png);
    }

    private static void panel(Graphics2D g, List<Row> rows, ToDoubleFunction<Row> value, String label, int left, int right) {
        int top = 50;
        int bottom = HEIGHT - 40;
        List<Integer> rtts = rows.stream().map(Row::rttMs).distinct().sorted().toList();
        int loRtt = rtts.getFirst();
        int hiRtt = Math.max(loRtt + 1, rtts.getLast());
        double max = 1;
        for (Row r : rows) if (!Double.isNaN(value.applyAsDouble(r))) max = Math.max(max, value.applyAsDouble(r));
        for (int rtt : rtts) max = Math.max(max, LongFatNetworkReport.ceiling(rtt));
        double top0 = max * 1.1;
        g.setColor(Color.GRAY);
        g.drawRect(left, top, right - left, bottom - top);
        g.setColor(Color.BLACK);
        g.drawString(label, left, top - 6);
        g.drawString(String.format("%.0f", top0), left - 8 - g.getFontMetrics().stringWidth(String.format("%.0f", top0)), top + 10);
        g.drawString("0", left - 14, bottom);
        for (int rtt : rtts) {
            int x = x(rtt, loRtt, hiRtt, left, right);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.BLACK);
            g.drawString(Integer.toString(rtt), x - 8, bottom + 15);
        }
        Set<String> names = new LinkedHashSet<>();
        rows.forEach(r -> names.add(r.contender()));
        int i = 0;
        for (String name : names) {
            g.setColor(COLORS[i % COLORS.length]);
            g.drawString(name, right - 250, top + 16 + 14 * i);
            line(g, rows.stream().filter(r -> r.contender().equals(name)).toList(), value, loRtt, hiRtt, top0, left, right, top, bottom);
            i++;
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        int px = -1;
        int py = -1;
        for (int rtt : rtts) {
            int x = x(rtt, loRtt, hiRtt, left, right);
            int y = bottom - (int) Math.round((bottom - top) * LongFatNetworkReport.ceiling(rtt) / top0);
            if (px >= 0) g.drawLine(px, py, x, y);
            px = x;
            py = y;
        }
        g.drawString("one ssh channel: 2 MiB per round trip", right - 250, top + 16 + 14 * i);
        g.setStroke(new BasicStroke(1f));
    }

    private static void line(Graphics2D g, List<Row> rows, ToDoubleFunction<Row> value, int loRtt, int hiRtt, double top0,
                             int left, int right, int top, int bottom) {
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (Row r : rows.stream().sorted(java.util.Comparator.comparingInt(Row::rttMs)).toList()) {
            double v = value.applyAsDouble(r);
            if (Double.isNaN(v)) continue;
            int x = x(r.rttMs(), loRtt, hiRtt, left, right);
            int y = bottom - (int) Math.round((bottom - top) * v / top0);
            g.fillOval(x - 3, y - 3, 6, 6);
            if (px >= 0) g.drawLine(px, py, x, y);
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static int x(int rtt, int lo, int hi, int left, int right) {
        return left + 10 + (int) Math.round((right - left - 20) * (rtt - lo) / (double) (hi - lo));
    }
}
