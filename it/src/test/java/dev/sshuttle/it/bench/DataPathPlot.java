package dev.sshuttle.it.bench;

import dev.sshuttle.it.bench.DataPathResults.Column;
import dev.sshuttle.it.bench.DataPathResults.Metric;
import dev.sshuttle.it.gates.PlotCanvas;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The data-path benchmark as a PNG, with java.awt (headless) in the style of the soak plot: on
 * top the throughput bars of every contender (1 stream up, 1 stream down, 8 streams down); below,
 * the distribution (CDF, log time axis) of the 64 B pings beside a bulk download and beside a
 * bulk upload, a line per contender.
 */
final class DataPathPlot {
    private static final int WIDTH = 1000;
    private static final int BARS_HEIGHT = 300;
    private static final int CDF_HEIGHT = 300;
    private static final int MARGIN = 60;
    private static final Metric[] BARS = {Metric.UP_1, Metric.DOWN_1, Metric.DOWN_8};
    private static final Color[] BAR_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)};
    private static final Color[] LINE_COLORS = {new Color(0x1f77b4), new Color(0x8c564b), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x2ca02c), new Color(0x7f7f7f)};

    private DataPathPlot() {}

    static void write(List<Column> columns, String title, Path png) throws IOException {
        PlotCanvas.write(WIDTH, 40 + BARS_HEIGHT + CDF_HEIGHT + 30, title, MARGIN, g -> {
            bars(g, columns, 40);
            List<Column> latency = columns.stream().filter(c -> c.pingsBesideDownload().getTotalCount() > 0
                    || c.pingsBesideUpload().getTotalCount() > 0).toList();
            int half = (WIDTH - MARGIN) / 2;
            cdf(g, latency, Column::pingsBesideDownload, "64 B ping every 20 ms beside a bulk download (fraction of pings)",
                    MARGIN, MARGIN + half - 40, 40 + BARS_HEIGHT + 20);
            cdf(g, latency, Column::pingsBesideUpload, "... beside a bulk upload", MARGIN + half + 20, WIDTH - 40,
                    40 + BARS_HEIGHT + 20);
        }, png);
    }

    private static void bars(Graphics2D g, List<Column> columns, int top) {
        int left = MARGIN;
        int right = WIDTH - 20;
        int bottom = top + BARS_HEIGHT - 50;
        double max = 1;
        for (Column c : columns) for (Metric m : BARS) if (!Double.isNaN(c.median(m))) max = Math.max(max, c.median(m));
        max *= 1.15;
        frame(g, left, top, right, bottom, "MB/s", String.format("%.0f", max), "0");
        for (int i = 0; i < BARS.length; i++) {
            g.setColor(BAR_COLORS[i]);
            g.fillRect(right - 360 + i * 115, top + 6, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(BARS[i].label, right - 346 + i * 115, top + 15);
        }
        int group = (right - left) / Math.max(1, columns.size());
        int bar = Math.max(4, (group - 20) / BARS.length);
        for (int c = 0; c < columns.size(); c++) {
            int x0 = left + c * group + 10;
            for (int i = 0; i < BARS.length; i++) {
                double v = columns.get(c).median(BARS[i]);
                if (Double.isNaN(v)) continue;
                int h = (int) Math.round((bottom - top) * v / max);
                g.setColor(BAR_COLORS[i]);
                g.fillRect(x0 + i * bar, bottom - h, bar - 2, h);
                g.setColor(Color.BLACK);
                g.drawString(String.format("%.0f", v), x0 + i * bar, bottom - h - 3);
            }
            g.drawString(columns.get(c).name(), x0, bottom + 15);
        }
    }

    private static void cdf(Graphics2D g, List<Column> columns, Function<Column, Histogram> pings, String label,
                            int left, int right, int top) {
        int bottom = top + CDF_HEIGHT - 50;
        double loMs = 0.01;
        double hiMs = 10;
        for (Column c : columns) {
            Histogram h = pings.apply(c);
            if (h.getTotalCount() == 0) continue;
            hiMs = Math.max(hiMs, h.getMaxValue() / 1000.0);
        }
        double lo = Math.floor(Math.log10(loMs));
        double hi = Math.ceil(Math.log10(hiMs));
        frame(g, left, top, right, bottom, label, "1", "0");
        g.setColor(new Color(0xdddddd));
        for (double y : new double[] {0.5, 0.99}) {
            int yy = bottom - (int) Math.round((bottom - top) * y);
            g.drawLine(left, yy, right, yy);
        }
        for (double d = lo; d <= hi; d++) {
            int x = left + (int) Math.round((right - left) * (d - lo) / (hi - lo));
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.BLACK);
            g.drawString(String.format(d < 0 ? "%.2f" : "%.0f", Math.pow(10, d)) + (d == hi ? " ms" : ""), x - 10, bottom + 15);
        }
        for (int c = 0; c < columns.size(); c++) {
            Color color = LINE_COLORS[c % LINE_COLORS.length];
            Histogram h = pings.apply(columns.get(c));
            g.setColor(color);
            g.drawString(columns.get(c).name(), left + 8, top + 16 + 14 * c);
            if (h.getTotalCount() == 0) continue;
            g.setStroke(new BasicStroke(2f));
            int px = -1;
            int py = -1;
            for (HistogramIterationValue v : h.recordedValues()) {
                double ms = Math.max(Math.pow(10, lo), h.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0);
                int x = left + (int) Math.round((right - left) * (Math.log10(ms) - lo) / (hi - lo));
                int y = bottom - (int) Math.round((bottom - top) * v.getTotalCountToThisValue() / (double) h.getTotalCount());
                if (px < 0) {
                    px = x;
                    py = bottom;
                }
                g.drawLine(px, py, x, py); // a CDF steps: across at the old fraction, then up
                g.drawLine(x, py, x, y);
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(1f));
        }
    }

    /** The panel's box and its labels: name top left, y's maximum and minimum on the left. */
    private static void frame(Graphics2D g, int left, int top, int right, int bottom, String label, String max, String min) {
        g.setColor(Color.GRAY);
        g.drawRect(left, top, right - left, bottom - top);
        g.setColor(Color.BLACK);
        g.drawString(label, left, top - 4);
        g.drawString(max, left - 5 - g.getFontMetrics().stringWidth(max), top + 12);
        g.drawString(min, left - 5 - g.getFontMetrics().stringWidth(min), bottom);
    }
}
