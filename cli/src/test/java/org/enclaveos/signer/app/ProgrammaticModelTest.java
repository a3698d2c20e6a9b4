package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.enclaveos.signer.cli.CliRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The root, inspect, measure, verify and sign-offline are modelled through picocli's programmatic API (issue 17):
 * what @Command(mixinStandardHelpOptions = true) and the annotations gave them must still hold.
 */
class ProgrammaticModelTest {
    private static CliRun run(String command, String... args) {
        String[] all = new String[args.length + (command.isEmpty() ? 0 : 1)];
        int i = 0;
        if (!command.isEmpty()) {
            all[i++] = command;
        }
        System.arraycopy(args, 0, all, i, args.length);
        return CliRun.run(new EnclaveosSigner(), all);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "inspect", "measure", "verify", "sign-offline"})
    void standardHelpAndVersionOptionsAndTheInheritedOnes(String command) {
        CliRun version = run(command, "-V");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("enclaveos-signer 0."), version::toString);
        CliRun help = run(command, "-h");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.out().startsWith("Usage: enclaveos-signer" + (command.isEmpty() ? " " : " " + command + " ")),
                help::toString);
        for (String line : new String[] {"  -h, --help ", "Show this help message and exit.", "  -V, --version ",
            "Print version information and exit.", "      --quiet ", "      --verbose "}) {
            assertTrue(help.out().contains(line), () -> line + " missing:\n" + help.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "measure", "verify"})
    void sourceIsRequiredAndSingle(String command) {
        CliRun none = run(command);
        assertEquals(2, none.exitCode(), none::toString);
        assertEquals("enclaveos-signer " + command + ": Missing required parameter: 'SOURCE'", none.errLines()[0]);
        CliRun two = run(command, "a.bin", "b.bin");
        assertEquals(2, two.exitCode(), two::toString);
        assertTrue(two.errLines()[0].startsWith("enclaveos-signer " + command + ": Unmatched argument"), two::toString);
    }

    @org.junit.jupiter.api.Test
    void typedOptionsKeepTheirConverters() {
        CliRun small = run("measure", "--max-measured-size", "4095", "x.sgxs");
        assertEquals(2, small.exitCode(), small::toString);
        assertTrue(small.errLines()[0].contains("'4095' is less than one page"), small::toString);
        CliRun svn = run("", "--container", "a", "b", "--isvsvn", "65536", "-key", "k.pem");
        assertEquals(2, svn.exitCode(), svn::toString);
        assertTrue(svn.errLines()[0].startsWith("enclaveos-signer: Invalid value for option '--isvsvn'"), svn::toString);
        CliRun both = run("verify", "x.sigstruct", "--mrsigner", "00", "--public-key", "k.pem");
        assertEquals(2, both.exitCode(), both::toString);
        assertEquals("enclaveos-signer verify: Error: --mrsigner=HEX, --public-key=PEM are mutually exclusive (specify only one)",
                both.errLines()[0]);
    }
}
