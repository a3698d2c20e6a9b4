package org.enclaveos.signer.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

import org.enclaveos.signer.io.Progress;
import org.enclaveos.signer.io.TerminalText;

/**
 * Progress on stderr. On a terminal, one line redrawn in place at most four times a second (bytes,
 * rate, ETA), ended with the summary; elsewhere (a log, a CI job) only the summary line, so logs stay
 * readable; with --quiet nothing. Work shorter than a second prints nothing at all.
 */
public final class ProgressLine implements Progress {
    private static final long REDRAW_NANOS = 250_000_000L;
    private static final long QUIET_BELOW_NANOS = 1_000_000_000L;

    private final PrintWriter summary;
    private final PrintStream live;
    private final java.util.function.LongSupplier clock;

    /**
     * @param summary where the summary line goes (the command's guarded stderr)
     * @param live    the raw terminal stream for the redrawn line, or null when stderr is not a terminal
     */
    public ProgressLine(PrintWriter summary, PrintStream live) {
        this(summary, live, System::nanoTime);
    }

    /** With a clock of its own (nanoseconds), for tests. */
    ProgressLine(PrintWriter summary, PrintStream live, java.util.function.LongSupplier clock) {
        this.summary = summary;
        this.live = live;
        this.clock = clock;
    }

    /** The reporter a command uses: nothing with --quiet; live only when there is a terminal. */
    public static Progress forCommand(picocli.CommandLine.Model.CommandSpec spec) {
        picocli.CommandLine.Model.CommandSpec root = spec.root();
        java.util.List<String> args = root.commandLine().getParseResult() == null ? java.util.List.of()
                : root.commandLine().getParseResult().originalArgs();
        if (args.contains("--quiet")) {
            return Progress.NONE;
        }
        // Java 17 tells only whether stdin and stdout are a terminal; then stderr, beside them, is taken as one.
        return new ProgressLine(spec.commandLine().getErr(), System.console() != null ? System.err : null);
    }

    @Override
    public Task start(String label, long total, Unit unit) {
        String name = TerminalText.escape(label);
        long start = clock.getAsLong();
        return new Task() {
            private long done;
            private long lastDraw = start;
            private boolean finished;

            @Override
            public synchronized void advance(long amount) {
                done += amount;
                long now = clock.getAsLong();
                if (live != null && now - lastDraw >= REDRAW_NANOS && now - start >= QUIET_BELOW_NANOS) {
                    lastDraw = now;
                    live.print("\r" + line(name, done, total, unit, now - start, false) + "\u001b[K");
                    live.flush();
                }
            }

            @Override
            public synchronized void finish() {
                if (finished) {
                    return;
                }
                finished = true;
                long elapsed = clock.getAsLong() - start;
                if (elapsed < QUIET_BELOW_NANOS) {
                    if (live != null && lastDraw != start) {
                        live.print("\r\u001b[K");
                        live.flush();
                    }
                    return;
                }
                if (live != null) {
                    live.print("\r\u001b[K");
                    live.flush();
                }
                synchronized (summary) {
                    summary.println(line(name, done, total, unit, elapsed, true));
                    summary.flush();
                }
            }
        };
    }

    /** "reading blob sha256:ab12…: 120.0 MB of 256.0 MB, 80.0 MB/s, 2 s left" or the summary "…: 256.0 MB in 3.2 s (80.0 MB/s)". */
    static String line(String name, long done, long total, Unit unit, long nanos, boolean summary) {
        double seconds = Math.max(nanos / 1e9, 1e-9);
        double rate = done / seconds;
        if (summary) {
            return String.format(Locale.ROOT, "%s: %s in %.1f s (%s/s)", name, amount(done, unit), seconds,
                    amount((long) rate, unit));
        }
        String of = total > 0 ? " of " + amount(total, unit) : "";
        String eta = total > 0 && rate > 0 ? String.format(Locale.ROOT, ", %d s left", (long) Math.ceil((total - done) / rate))
                : "";
        return String.format(Locale.ROOT, "%s: %s%s, %s/s%s", name, amount(done, unit), of, amount((long) rate, unit), eta);
    }

    private static String amount(long n, Unit unit) {
        return unit == Unit.BYTES ? String.format(Locale.ROOT, "%.1f MB", n / 1e6) : n + " requests";
    }
}
