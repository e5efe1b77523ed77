package dev.sshuttle.it.gates;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A report's PNG drawn with java.awt, headless: white, antialiased, a bold title at (titleX, 20),
 * then the body draws in an 11 pt sans-serif font. The soak's plot and the benchmark's share it.
 */
public final class PlotCanvas {
    /** What draws the plot's panels. */
    @FunctionalInterface
    public interface Body {
        void draw(Graphics2D g);
    }

    private PlotCanvas() {}

    public static void write(int width, int height, String title, int titleX, Body body, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, titleX, 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            body.draw(g);
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", png.toFile());
    }
}
