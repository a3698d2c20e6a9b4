package org.enclaveos.signer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Command;

class CliTest {
    /**
     * The terminal's width costs a process (picocli's stty): it is asked for only when help is made, and
     * once for a whole command tree, though a command's help makes a Help for every subcommand.
     */
    @Test
    void theHelpWidthIsAskedForOnlyForHelpAndOnceForTheWholeTree() {
        picocli.CommandLine cl = new picocli.CommandLine(picocli.CommandLine.Model.CommandSpec.create().name("top"));
        for (String name : new String[] {"one", "two", "three"}) {
            cl.addSubcommand(name, picocli.CommandLine.Model.CommandSpec.create().name(name));
        }
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        Cli.layout(cl, () -> {
            asked.incrementAndGet();
            return 72;
        });
        cl.parseArgs("one");
        assertEquals(0, asked.get(), "asked for the width without printing help");
        java.io.StringWriter help = new java.io.StringWriter();
        cl.usage(new java.io.PrintWriter(help));
        cl.getSubcommands().get("two").usage(new java.io.PrintWriter(new java.io.StringWriter()));
        assertEquals(1, asked.get(), "asked for the width more than once");
        assertEquals(72, cl.getCommandSpec().usageMessage().width());
        assertEquals(72, cl.getSubcommands().get("two").getCommandSpec().usageMessage().width());
    }

    @Command(name = "hungry")
    static final class Hungry implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void runningOutOfMemoryIsOneLineSayingWhatToChangeAndExit70() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Cli.run(new Hungry());
        } finally {
            System.setErr(saved);
        }
        assertEquals(70, code);
        assertEquals("enclaveos-signer: out of memory (Java heap space); give Java more with "
                + "ENCLAVEOS_SIGNER_JAVA_OPTS=-Xmx4g (or java -Xmx4g -jar ...)\n", err.toString(StandardCharsets.UTF_8));
    }

    @Command(name = "hostile")
    static final class Hostile implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            // Text read from a file, printed by a command that forgot to escape it.
            spec.commandLine().getOut().println("layout /e\u001b[2A\r\u202eDEBUG no");
            spec.commandLine().getOut().flush();
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.MALFORMED_INPUT,
                    "f.json: field x is 'a\nenclaveos-signer: all good\u001b[0m'");
        }
    }

    @Test
    void everyCommandsOutputPassesTheTerminalGuardAndAnErrorStaysOneLine() {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Cli.run(new Hostile());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        assertEquals(4, code);
        assertEquals("layout /e\\u001b[2A\\u000d\\u202eDEBUG no\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("enclaveos-signer: f.json: field x is 'a\\u000aenclaveos-signer: all good\\u001b[0m'\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Command(name = "scripted")
    static final class Scripted implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.INTEGRITY, "r.json: was \"edited\"");
        }
    }

    @Test
    void withJsonAFailureIsAlsoOneJsonDocumentOnStdout() throws Exception {
        org.enclaveos.signer.cli.CliRun r = org.enclaveos.signer.cli.CliRun.run(new Scripted(), "--json");
        assertEquals(8, r.exitCode());
        assertEquals("{\"error\":\"integrity\",\"exitCode\":8,\"message\":\"r.json: was \\\"edited\\\"\"}\n", r.out());
        assertEquals("enclaveos-signer: r.json: was \"edited\"", r.lastErrLine());
        org.enclaveos.signer.cli.CliRun usage = org.enclaveos.signer.cli.CliRun.run(new Scripted(), "--json", "--nope");
        assertEquals(2, usage.exitCode());
        assertEquals("usage", new com.fasterxml.jackson.databind.ObjectMapper().readTree(usage.out()).get("error").asText());
        org.enclaveos.signer.cli.CliRun plain = org.enclaveos.signer.cli.CliRun.run(new Scripted());
        assertEquals("", plain.out(), "without --json stdout stays empty");
    }
}
