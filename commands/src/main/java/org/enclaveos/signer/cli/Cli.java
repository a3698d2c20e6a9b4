package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.TerminalText;

import picocli.CommandLine;

/**
 * Runs a picocli command with the project's error contract: a user error is one line on stderr and
 * the exit code of its {@link ErrorKind}; only {@code --verbose} shows a stack trace; a bug is exit 70.
 */
public final class Cli {
    public static final String NAME = "enclaveos-signer";

    private Cli() {
    }

    /**
     * A command whose model is built with picocli's programmatic API, not read from annotations. Reading
     * the first annotation of each type makes the JDK generate a proxy class for it in the interpreter,
     * and class-data sharing cannot keep those classes: for {@code inspect} that was a third of its 0.3 s
     * (issue 17). The root command and the commands scripts run by the thousand are built this way.
     */
    public interface Programmatic {
        CommandLine.Model.CommandSpec spec();
    }

    /** What picocli is given for {@code command}: a programmatic command's model, else the annotated object. */
    public static Object model(Object command) {
        return command instanceof Programmatic p ? p.spec() : command;
    }

    /** A configured CommandLine for {@code command}. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(model(command));
        setStreams(cl, new java.io.OutputStreamWriter(System.out, java.nio.charset.Charset.defaultCharset()),
                new java.io.OutputStreamWriter(System.err, java.nio.charset.Charset.defaultCharset()));
        // Colours would be escape sequences of our own; the guard below would show them as text.
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(ERRORS);
        cl.setExecutionExceptionHandler(ERRORS);
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes());
        return cl;
    }

    /**
     * Where a command writes, behind {@link TerminalText#guard}: no character from a file (a request
     * field, a journal line, an image's text) reaches the terminal as a control, escape or bidi
     * character, whichever code printed it. Every way of running a command goes through here.
     */
    public static void setStreams(CommandLine cl, java.io.Writer out, java.io.Writer err) {
        cl.setOut(guarded(out));
        cl.setErr(guarded(err));
    }

    private static PrintWriter guarded(java.io.Writer w) {
        return w instanceof Guarded g ? g : new Guarded(TerminalText.guard(w));
    }

    /** A PrintWriter already behind the guard (so a step run by another command is not escaped twice). */
    private static final class Guarded extends PrintWriter {
        Guarded(java.io.Writer w) {
            super(w, true);
        }
    }

    /**
     * A command with subcommands that are registered programmatically rather than by annotation, so
     * a run of one subcommand need not model the others: picocli builds every annotated subcommand's
     * model up front, by reflection, in the interpreter, and that was most of a short run's start-up.
     */
    public interface Suite {
        /** Every subcommand, in the order help lists them; the key is the name the user types. */
        java.util.Map<String, java.util.function.Supplier<Object>> subcommands();

        /** Subcommands that need to see all the others (a completion script generator). */
        default java.util.Set<String> needAll() {
            return java.util.Set.of();
        }
    }

    /**
     * A configured CommandLine for running {@code args}. For a {@link Suite} whose first argument
     * names one of its subcommands, only that subcommand is registered; otherwise all of them are.
     */
    public static CommandLine commandLine(Object command, String... args) {
        boolean version = isVersion(args);
        CommandLine cl = commandLine(command);
        if (command instanceof Suite suite) {
            java.util.Map<String, java.util.function.Supplier<Object>> all = suite.subcommands();
            String first = args.length > 0 ? args[0] : null;
            boolean one = first != null && all.containsKey(first) && !suite.needAll().contains(first);
            // --version prints two lines: no subcommand model is needed for it (issue 17's start-up profile).
            all.forEach((name, make) -> {
                if (!version && (!one || name.equals(first))) {
                    cl.addSubcommand(name, model(make.get()));
                }
            });
        }
        layout(cl, Cli::terminalWidth);
        return cl;
    }

    /**
     * One help layout for every command: options in alphabetical order (one rule, whatever order the
     * code declares them in), text wrapped at {@code width}, and the examples of the footer printed as
     * written: a wrapped command line cannot be pasted.
     */
    public static void layout(CommandLine cl, int width) {
        layout(cl, () -> width);
    }

    /**
     * The same layout with the width asked for only when help is printed, and at most once for the
     * whole command tree (a command's help makes a Help for each of its subcommands too): finding a
     * terminal's width starts an {@code stty} process, which cost an interactive {@code inspect} about
     * 40 ms (12%) when it was asked at every start.
     */
    static void layout(CommandLine cl, java.util.function.IntSupplier width) {
        apply(cl, new Layout(width));
    }

    private static void apply(CommandLine cl, Layout layout) {
        cl.setUsageHelpAutoWidth(false);
        cl.setHelpFactory(layout);
        cl.getCommandSpec().usageMessage().sortOptions(true);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, layout);
        for (CommandLine sub : cl.getSubcommands().values()) {
            apply(sub, layout);
        }
    }

    /*
     * picocli's callbacks below are named classes, not lambdas. picocli's interfaces are Java 5 class
     * files: a lambda implementing one makes the archive's dump link that interface, and the dump then
     * leaves out the interface and every class implementing it (picocli's help renderers among them).
     * Making the lambda at run time also started the JDK's lambda machinery (LauncherIT).
     */

    private static final Errors ERRORS = new Errors();

    /** The error contract, as picocli's two handlers. */
    private static final class Errors implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException e, String[] args) {
            return usageError(e, args);
        }

        @Override
        public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parse) {
            return failure(e, cmd, parse.originalArgs().contains("--verbose"), parse.originalArgs().contains("--json"));
        }
    }

    /**
     * The help layout of one command tree: the width, asked for when the first help is made and kept
     * for the rest of the tree, and the footer printed as written.
     */
    private static final class Layout implements CommandLine.IHelpFactory, CommandLine.IHelpSectionRenderer {
        private final java.util.function.IntSupplier ask;
        private int width;

        Layout(java.util.function.IntSupplier ask) {
            this.ask = ask;
        }

        @Override
        public CommandLine.Help create(CommandLine.Model.CommandSpec spec, CommandLine.Help.ColorScheme colors) {
            if (width == 0) {
                width = ask.getAsInt();
            }
            spec.usageMessage().width(width);
            return new CommandLine.Help(spec, colors);
        }

        @Override
        public String render(CommandLine.Help help) {
            String[] footer = help.commandSpec().usageMessage().footer();
            return footer.length == 0 ? "" : String.join(System.lineSeparator(), footer) + System.lineSeparator();
        }
    }

    /** The terminal's width (COLUMNS, as shells export it, else picocli's detection), kept readable: 60 to 160. */
    static int terminalWidth() {
        String columns = System.getenv("COLUMNS");
        int width = 0;
        if (columns != null && columns.matches("\\d{1,4}")) {
            width = Integer.parseInt(columns);
        } else {
            CommandLine.Model.UsageMessageSpec probe = new CommandLine.Model.UsageMessageSpec().autoWidth(true);
            width = probe.width();
        }
        return Math.max(60, Math.min(160, width));
    }

    /** Whether {@code args} is a lone {@code --version} (or {@code -V}), which {@link #printVersion} answers. */
    public static boolean isVersion(String... args) {
        return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    }

    /**
     * Prints {@link VersionProvider}'s lines, as picocli prints them for {@code -V}, without building
     * any command model: a main method calls this for a lone {@code --version}, which then costs little
     * more than hashing the jar. Building the root command's model first, and hashing on a second thread
     * meanwhile, took 0.02-0.04 s more of a 0.24-0.28 s run on two cores (issue 17). Returns 0.
     */
    public static int printVersion(java.io.OutputStream stdout) {
        PrintWriter out = guarded(new java.io.OutputStreamWriter(stdout, java.nio.charset.Charset.defaultCharset()));
        for (String line : new VersionProvider().getVersion()) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** Parses and runs; returns the exit code. */
    public static int run(Object command, String... args) {
        try {
            return commandLine(command, args).execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(e, args);
        }
    }

    /** Runs a configured CommandLine (a main method's last step); returns the exit code. */
    public static int execute(CommandLine cl, String... args) {
        layout(cl, Cli::terminalWidth);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(e, args);
        }
    }

    /** Not a bug report: say what to change, in one line (--verbose still shows where). */
    private static int outOfMemory(OutOfMemoryError e, String... args) {
        System.err.println(NAME + ": out of memory (" + e.getMessage() + "); give Java more with "
                + "ENCLAVEOS_SIGNER_JAVA_OPTS=-Xmx4g (or java -Xmx4g -jar ...)");
        if (Arrays.asList(args).contains("--verbose")) {
            e.printStackTrace();
        }
        return ErrorKind.INTERNAL.exitCode();
    }

    /** The exit codes for --help, straight from {@link ErrorKind} so the list cannot drift. */
    static java.util.Map<String, String> exitCodes() {
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        codes.put("0", "success");
        for (ErrorKind k : ErrorKind.values()) {
            codes.put(Integer.toString(k.exitCode()), k.summary());
        }
        return codes;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + TerminalText.escape(e.getMessage()));
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        if (Arrays.asList(args).contains("--verbose")) {
            e.printStackTrace(err);
        }
        err.flush();
        if (Arrays.asList(args).contains("--json")) {
            printJsonError(cmd.getOut(), ErrorKind.USAGE, e.getMessage());
        }
        return ErrorKind.USAGE.exitCode();
    }

    /**
     * With {@code --json}, a failure is a JSON document on stdout too (the line on stderr stays), so a
     * script that parses stdout never gets nothing: {@code error} (the kind), {@code exitCode}, {@code message}.
     */
    private static void printJsonError(PrintWriter out, ErrorKind kind, String message) {
        com.fasterxml.jackson.databind.node.ObjectNode doc = org.enclaveos.signer.format.SigstructJson.object();
        doc.put("error", kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        doc.put("exitCode", kind.exitCode());
        doc.put("message", message);
        out.println(org.enclaveos.signer.format.SigstructJson.compact(doc));
        out.flush();
    }

    private static int failure(Exception e, CommandLine cmd, boolean verbose, boolean json) {
        PrintWriter err = cmd.getErr();
        ErrorKind kind;
        if (e instanceof SignerException se) {
            kind = se.kind();
            if (json) {
                printJsonError(cmd.getOut(), kind, se.getMessage());
            }
            // One line, whatever the message quotes from a file: its line feeds are shown, not obeyed.
            err.println(NAME + ": " + TerminalText.escape(se.getMessage()));
        } else {
            kind = ErrorKind.INTERNAL;
            if (json) {
                printJsonError(cmd.getOut(), kind, "internal error: " + e);
            }
            err.println(NAME + ": internal error: " + TerminalText.escape(String.valueOf(e)) + (verbose ? "" : " (run with --verbose for details)"));
        }
        if (verbose) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(trace);
        }
        err.flush();
        return kind.exitCode();
    }
}
