package org.enclaveos.signer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.enclaveos.signer.io.Progress;
import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Issue 13, item 4: a live line on a terminal, one summary line otherwise, nothing for short work or --quiet. */
class ProgressLineTest {
    final AtomicLong now = new AtomicLong();
    final StringWriter summary = new StringWriter();
    final ByteArrayOutputStream terminal = new ByteArrayOutputStream();

    @Test
    void aTerminalSeesTheLineRedrawnWithRateAndEtaThenTheSummary() {
        Progress p = new ProgressLine(new PrintWriter(summary), new PrintStream(terminal, true, StandardCharsets.UTF_8),
                now::get);
        Progress.Task t = p.start("reading registry.example sha256:0123456789ab", 256_000_000, Progress.Unit.BYTES);
        now.set(2_000_000_000L);
        t.advance(128_000_000);
        String drawn = terminal.toString(StandardCharsets.UTF_8);
        assertEquals("\rreading registry.example sha256:0123456789ab: 128.0 MB of 256.0 MB, 64.0 MB/s, 2 s left\u001b[K",
                drawn);
        now.set(2_100_000_000L);
        t.advance(1);
        assertEquals(drawn, terminal.toString(StandardCharsets.UTF_8), "redrawn at most four times a second");
        now.set(4_000_000_000L);
        t.advance(127_999_999);
        t.finish();
        t.finish();
        assertEquals("reading registry.example sha256:0123456789ab: 256.0 MB in 4.0 s (64.0 MB/s)\n", summary.toString());
        assertTrue(terminal.toString(StandardCharsets.UTF_8).endsWith("\r\u001b[K"), "the live line is cleared");
    }

    @Test
    void aLogGetsOneSummaryLineAndShortWorkNothing() throws IOException {
        Progress p = new ProgressLine(new PrintWriter(summary), null, now::get);
        Progress.Task quick = p.start("measuring a.sgxs", 10, Progress.Unit.BYTES);
        now.set(900_000_000L);
        quick.advance(10);
        quick.finish();
        assertEquals("", summary.toString(), "under a second: no line at all");
        Progress.Task signing = p.start("signing", 150, Progress.Unit.ITEMS);
        now.set(3_900_000_000L);
        signing.advance(150);
        signing.finish();
        assertEquals("signing: 150 requests in 3.0 s (50 requests/s)\n", summary.toString());
        // A stream counts what is read through it and finishes when closed.
        now.set(0);
        Progress counting = new ProgressLine(new PrintWriter(summary), null, () -> now.getAndAdd(1_000_000_000L));
        try (InputStream in = counting.counting(new ByteArrayInputStream(new byte[3_000_000]), "pushing x", 3_000_000)) {
            in.readAllBytes();
        }
        assertTrue(summary.toString().contains("\npushing x: 3.0 MB in "), summary.toString());
    }

    @Test
    void quietSilencesEveryCommand() {
        CommandLine cl = new CommandLine(new KeygenCommand());
        cl.addMixin("global", GlobalOptions.mixin());
        cl.parseArgs("--quiet", "--out", "k.pem");
        assertSame(Progress.NONE, ProgressLine.forCommand(cl.getCommandSpec()));
        cl.parseArgs("--out", "k.pem");
        assertTrue(ProgressLine.forCommand(cl.getCommandSpec()) instanceof ProgressLine);
    }
}
