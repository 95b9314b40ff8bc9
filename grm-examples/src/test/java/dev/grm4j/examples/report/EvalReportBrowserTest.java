package dev.grm4j.examples.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Renders the report in a real headless browser (Debian's chromium package) and checks the screenshot:
 * the page drew, and the chart's two line colours are on it. Skipped where /usr/bin/chromium is absent;
 * .ci/run installs it. The screenshot and the page are kept in target/eval-report/ for a human to look at.
 */
class EvalReportBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    @Test
    void the_report_renders_in_headless_chromium_with_the_chart_drawn() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no browser at " + CHROMIUM + ": install Debian's chromium");
        EvalReport.write(dir.resolve("report"), EvalReportTest.sample());
        Path png = dir.resolve("report.png");

        Process browser = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile"), "--screenshot=" + png, "--window-size=1200,1600",
                dir.resolve("report/report.html").toUri().toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile())
                .start();
        try {
            assertThat(browser.waitFor(90, TimeUnit.SECONDS)).as("chromium finished within 90 s").isTrue();
        } finally {
            browser.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("chromium.log"));
        assertThat(png).as("screenshot; chromium said:%n%s", log).isRegularFile();
        assertThat(Files.size(png)).as("screenshot size").isGreaterThan(30_000);
        keep(png);

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(1600);
        Set<Integer> colours = new HashSet<>();
        int voting = 0;
        int meta = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (near(rgb, 0x2563eb)) {
                    voting++;
                } else if (near(rgb, 0xea580c)) {
                    meta++;
                }
            }
        }
        assertThat(colours.size()).as("distinct colours").isGreaterThan(100);
        // Each line is hundreds of pixels long and 2.5 px wide, drawn twice (solid and dashed pass).
        assertThat(voting).as("pixels of the Voting line's blue").isGreaterThan(500);
        assertThat(meta).as("pixels of the MetaRM line's orange").isGreaterThan(300);
    }

    private static boolean near(int rgb, int target) {
        return Math.abs(((rgb >> 16) & 0xFF) - ((target >> 16) & 0xFF)) <= 12
                && Math.abs(((rgb >> 8) & 0xFF) - ((target >> 8) & 0xFF)) <= 12
                && Math.abs((rgb & 0xFF) - (target & 0xFF)) <= 12;
    }

    /** Keeps the page and its screenshot in the build directory, for a human to look at. */
    private void keep(Path png) throws IOException {
        Path target = Path.of("target", "eval-report");
        Files.createDirectories(target);
        Files.copy(png, target.resolve("report.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("report/report.html"), target.resolve("report.html"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("report/report.md"), target.resolve("report.md"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
