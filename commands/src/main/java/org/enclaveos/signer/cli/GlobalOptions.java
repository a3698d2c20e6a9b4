package org.enclaveos.signer.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes. {@code --verbose} is read by {@link Cli}'s error handler, {@code --quiet} by {@link ProgressLine}. */
public final class GlobalOptions {
    public GlobalOptions() {
    }

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Show stack traces with errors (for bug reports).")
    boolean verbose;

    @Option(names = "--quiet", scope = ScopeType.INHERIT,
            description = "No progress lines on stderr (errors and warnings still show).")
    boolean quiet;
}
