package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.TestKeys;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command run in a real terminal (tmux) starts no process: picocli finds a terminal's width with
 * {@code stty}, which cost an interactive {@code inspect} about 40 ms; the width is now asked for only
 * when help is printed. The class-loading log tells whether a process was started ({@code ProcessImpl}).
 */
class TerminalStartIT {
    static final String SESSION = "enclaveos-start-" + ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @AfterEach
    void killSession() {
        Tools.run(null, "tmux", "kill-session", "-t", SESSION);
    }

    @Test
    void inspectInATerminalStartsNoProcessAndHelpStillFollowsTheTerminal() throws Exception {
        Tools.require("tmux");
        Path jar = Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jar");
        Path sigstruct = Files.write(dir.resolve("app.sigstruct"),
                SigstructSigner.sign(Requests.debug(1), TestKeys.key("signer")).toBytes());
        Path inspectLog = dir.resolve("inspect.log");
        Path helpLog = dir.resolve("help.log");
        Path done = dir.resolve("done");
        // stdout and stderr stay on the terminal, as when a person types the command.
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\nunset COLUMNS\n"
                + "java -Xlog:class+load:file='" + inspectLog + "' -jar '" + jar + "' inspect '" + sigstruct + "'\n"
                + "echo \"inspect exit $?\"\n"
                + "java -Xlog:class+load:file='" + helpLog + "' -jar '" + jar + "' inspect --help\n"
                + "echo \"help exit $?\" > '" + done + "'\nsleep 60\n");
        script.toFile().setExecutable(true);
        Tools.Result tmux = Tools.run(null, "tmux", "new-session", "-d", "-s", SESSION, "-x", "100", "-y", "50",
                script.toString());
        assertEquals(0, tmux.exitCode(), tmux.stderr());
        for (int i = 0; i < 600 && !Files.exists(done); i++) {
            Thread.sleep(100);
        }
        assertEquals("help exit 0", Files.readString(done).strip());
        assertFalse(Files.readString(inspectLog).contains("java.lang.ProcessImpl "),
                "inspect in a terminal started a process (picocli's stty?)");
        // The check can see a process: printing help asks the terminal's width, which starts stty.
        assertTrue(Files.readString(helpLog).contains("java.lang.ProcessImpl "), "help did not ask the terminal's width");
    }
}
