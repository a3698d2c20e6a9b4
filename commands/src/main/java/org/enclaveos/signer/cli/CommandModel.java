package org.enclaveos.signer.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * picocli's programmatic builders as {@link Cli.Programmatic} commands use them, with the defaults the
 * annotations would have given: the help the user sees is the same either way (ProgrammaticModelTest).
 */
public final class CommandModel {
    /** The name picocli's standard help mixin is registered under (so the model reports it as present). */
    private static final String STANDARD_HELP = "mixinStandardHelpOptions";

    private CommandModel() {
    }

    /**
     * A command named {@code name} that runs {@code command} (a Callable), with its help's description
     * and footer, and {@code -h, --help} and {@code -V, --version} worded as
     * {@code @Command(mixinStandardHelpOptions = true)} words them. picocli's own mixin for them is
     * annotated, so it cannot be used here.
     */
    public static CommandSpec command(Object command, String name, String[] description, String... footer) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name).versionProvider(new VersionProvider());
        spec.usageMessage().description(description).footer(footer);
        CommandSpec help = CommandSpec.create();
        help.addOption(OptionSpec.builder("-h", "--help").type(boolean.class).usageHelp(true)
                .description("Show this help message and exit.").build());
        help.addOption(OptionSpec.builder("-V", "--version").type(boolean.class).versionHelp(true)
                .description("Print version information and exit.").build());
        spec.addMixin(STANDARD_HELP, help);
        return spec;
    }

    /** An option without a value: false unless given. */
    public static OptionSpec flag(String description, String... names) {
        return OptionSpec.builder(names).type(boolean.class).initialValue(false).description(description).build();
    }

    /** An option with one value of {@code type} shown as {@code label}; null unless given. */
    public static OptionSpec.Builder option(Class<?> type, String label, String description, String... names) {
        return OptionSpec.builder(names).type(type).paramLabel(label).description(description);
    }

    /** The command's one positional parameter (index 0), required (a builder's default is optional). */
    public static PositionalParamSpec parameter(String label, String description) {
        return PositionalParamSpec.builder().index("0").arity("1").required(true).type(String.class).paramLabel(label)
                .description(description).build();
    }
}
