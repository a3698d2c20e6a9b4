package org.enclaveos.signer.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes, as a mixin for a root command (its subcommands inherit them).
 * {@code --verbose} is read by {@link Cli}'s error handler, {@code --quiet} by {@link ProgressLine}:
 * both from the arguments, as an error may come before any option is bound.
 */
public final class GlobalOptions {
    private GlobalOptions() {
    }

    /** A new mixin with --verbose and --quiet (each command tree needs its own). */
    public static CommandSpec mixin() {
        return CommandSpec.create()
                .addOption(inherited(CommandModel.flag("Show stack traces with errors (for bug reports).", "--verbose")))
                .addOption(inherited(CommandModel.flag("No progress lines on stderr (errors and warnings still show).",
                        "--quiet")));
    }

    private static OptionSpec inherited(OptionSpec flag) {
        return flag.toBuilder().scopeType(ScopeType.INHERIT).build();
    }
}
