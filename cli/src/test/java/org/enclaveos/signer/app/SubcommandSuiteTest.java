package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.junit.jupiter.api.Test;

/** Subcommands are registered lazily (start-up time); help and completion must still see all of them. */
class SubcommandSuiteTest {
    private static final Set<String> ALL = new EnclaveosSigner().subcommands().keySet();

    @Test
    void aRunOfOneSubcommandModelsOnlyThatOne() {
        assertEquals(Set.of("measure"), Cli.commandLine(new EnclaveosSigner(), "measure", "x.sgxs").getSubcommands().keySet());
        assertEquals(ALL, Cli.commandLine(new EnclaveosSigner(), "--help").getSubcommands().keySet());
        assertEquals(ALL, Cli.commandLine(new EnclaveosSigner(), "generate-completion").getSubcommands().keySet());
        // --version needs no subcommand at all (start-up time), and still prints the version.
        assertEquals(Set.of(), Cli.commandLine(new EnclaveosSigner(), "--version").getSubcommands().keySet());
        CliRun version = CliRun.run(new EnclaveosSigner(), "--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("enclaveos-signer "), version.out());
        // main answers a lone --version before any model is built: the same lines, byte for byte.
        java.io.ByteArrayOutputStream early = new java.io.ByteArrayOutputStream();
        assertEquals(0, Cli.printVersion(early));
        assertEquals(version.out(), early.toString(java.nio.charset.Charset.defaultCharset()));
    }

    @Test
    void helpAndCompletionListEverySubcommand() {
        CliRun help = CliRun.run(new EnclaveosSigner(), "--help");
        CliRun completion = CliRun.run(new EnclaveosSigner(), "generate-completion");
        assertEquals(0, help.exitCode(), help::toString);
        assertEquals(0, completion.exitCode(), completion::toString);
        for (String name : ALL) {
            assertTrue(help.out().contains("\n  " + name + " "), name + " missing from --help:\n" + help.out());
            assertTrue(completion.out().contains(name), name + " missing from the completion script");
        }
    }

    @Test
    void aSubcommandKeepsItsQualifiedNameAndTheInheritedVerboseOption() {
        CliRun usage = CliRun.run(new EnclaveosSigner(), "measure", "--help");
        assertTrue(usage.out().startsWith("Usage: enclaveos-signer measure"), usage::toString);
        assertTrue(usage.out().contains("--verbose"), usage::toString);
        CliRun bad = CliRun.run(new EnclaveosSigner(), "measure", "--no-such-option");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.errLines()[0].startsWith("enclaveos-signer measure: "), bad::toString);
    }
}
