package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.io.TerminalText;
import org.enclaveos.signer.request.RequestBundle;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.TestKeys;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review in a real terminal (tmux): a request whose layout path carries every kind of control
 * and format character, and text made to look like review rows, is shown exactly escaped; the
 * terminal draws no row the request did not produce; the typed count then signs. And a command typed
 * in a terminal starts no process to find its width.
 */
class ReviewTerminalIT {
    static final String SESSION = "enclaveos-review-" + ProcessHandle.current().pid();
    /** The terminal's width in this test: the forged row below is padded to start a screen line at it. */
    static final int WIDTH = 120;
    /** Cursor up and erase, carriage return, C1 CSI, bidi overrides and isolates, zero-width, a tag: and fake rows. */
    static final String CONTROLS = "/enclave/app.sgxs\u001b[3A\u001b[2K\r     mrenclave  " + "0".repeat(64)
            + "\u009b1A\u0085\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d"
            + "\ufeff\u2028\u2029\u007f\b\u0007\udb40\udc41\n 2   evil.sgx1                    DEBUG no";
    /**
     * Then spaces, exactly as many as make the terminal's own wrapping start a screen line with a
     * forged row, were the value shown with its spaces (the row prefix is 16 columns).
     */
    static final String HOSTILE = CONTROLS + " ".repeat(2 * WIDTH - (16 + TerminalText.escape(CONTROLS).length()) % WIDTH)
            + " 3   evil2.sgx1                   sgx1  1         2      no    2026-11-29 to sign";

    @TempDir
    Path dir;

    @AfterEach
    void killSession() {
        Tools.run(null, "tmux", "kill-session", "-t", SESSION);
    }

    @Test
    void theReviewShowsEveryHostileCharacterEscapedAndThenSignsWhatItShowed() throws Exception {
        Tools.require("tmux");
        Path jar = Vectors.projectRoot().resolve("sign-offline/target/sign-offline.jar");
        Path key = dir.resolve("k.pem");
        assertEquals(0, Tools.run(null, "java", "-jar", jar.toString(), "keygen", "--out", key.toString()).exitCode());
        Path req = dir.resolve("req");
        Tools.Result prepare = Tools.run(null, LauncherIT.LAUNCHER, "prepare", "--mrenclave", "cd".repeat(32),
                "--isvprodid", "1", "--isvsvn", "2", "--name", "app", "--memory-model", "sgx1", "--out", req.toString());
        assertEquals(0, prepare.exitCode(), prepare.stderr());
        // The attacker edits the free-text layout path and rewrites bundle.json to match.
        Path file = req.resolve("app.sgx1.request.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        root.putObject("layout").put("path", HOSTILE).put("sha256", "ef".repeat(32));
        byte[] edited = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Files.write(file, edited);
        Files.write(req.resolve(RequestBundle.FILE_NAME), new RequestBundle(RequestBundle.SCHEMA, "test",
                List.of(new RequestBundle.Entry(file.getFileName().toString(), Hash256.sha256(edited).hex()))).toJson());

        Path out = dir.resolve("signed");
        // stdout stays on the terminal: Java offers a console (for the typed count) only when both ends are one.
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\njava -jar '" + jar + "' '" + req
                + "' --key '" + key + "' --out '" + out + "'\necho \"exit $?\"\nsleep 60\n");
        script.toFile().setExecutable(true);
        Tools.Result tmux = Tools.run(null, "tmux", "new-session", "-d", "-s", SESSION, "-x", Integer.toString(WIDTH), "-y", "60",
                script.toString());
        assertEquals(0, tmux.exitCode(), tmux.stderr());
        String screen = waitFor("Type the number of enclaves to sign (1) to go on:");

        String layoutRow = "     layout     " + TerminalText.escapeWord(HOSTILE) + " (sha256 " + "ef".repeat(32) + ")";
        assertTrue(screen.contains(layoutRow), "expected the row\n" + layoutRow + "\non the screen:\n" + screen);
        assertTrue(screen.contains("     mrenclave  " + "cd".repeat(32) + " (given)"), screen);
        assertTrue(screen.contains("     WARNING    field layout.path holds the control or format character U+001B"), screen);
        // The screen as drawn (wrapped lines not joined): no line the request made look like a row.
        String drawn = new String(Tools.run(null, "tmux", "capture-pane", "-p", "-t", SESSION, "-S", "-60").stdout(),
                StandardCharsets.UTF_8);
        for (String line : drawn.split("\n")) {
            assertFalse(line.startsWith(" 2   ") || line.startsWith(" 3   "), "a row the request did not produce: " + line);
        }
        for (String line : screen.split("\n")) {
            assertFalse(line.startsWith(" 2   "), "a row the request did not produce: " + line);
            assertFalse(line.startsWith("     mrenclave  " + "0".repeat(64)), "a row the request did not produce: " + line);
        }
        // The operator types the count shown, and exactly that is signed.
        assertEquals(0, Tools.run(null, "tmux", "send-keys", "-t", SESSION, "1", "Enter").exitCode());
        String after = waitFor("exit 0");
        assertTrue(after.contains("1 signed, 0 already signed"), after);
        Tools.Result verify = Tools.run(null, "java", "-jar", jar.toString(), "verify", out.resolve("app.sgx1.sigstruct").toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.stderr());
        assertEquals("cd".repeat(32), org.enclaveos.signer.sgx.Sigstruct.read(out.resolve("app.sgx1.sigstruct")).mrenclave().hex());
    }

    /**
     * Issue 13, item 2: the passphrase comes through a pipe (stdin is not the terminal), and the typed
     * confirmation is still read from the terminal.
     */
    @Test
    void aPassphraseFromAPipeAndTheConfirmationFromTheTerminal() throws Exception {
        Tools.require("tmux");
        Tools.require("openssl");
        Path jar = Vectors.projectRoot().resolve("sign-offline/target/sign-offline.jar");
        Path key = dir.resolve("k.pem");
        assertEquals(0, Tools.run(null, "java", "-jar", jar.toString(), "keygen", "--out", key.toString()).exitCode());
        Path encrypted = dir.resolve("k.enc.pem");
        Tools.ok("openssl", "pkcs8", "-topk8", "-in", key.toString(), "-v2", "aes-256-cbc", "-passout", "pass:s3cret pass",
                "-out", encrypted.toString());
        Path req = dir.resolve("req");
        Tools.Result prepare = Tools.run(null, LauncherIT.LAUNCHER, "prepare", "--mrenclave", "ab".repeat(32),
                "--isvprodid", "1", "--isvsvn", "2", "--name", "app", "--out", req.toString());
        assertEquals(0, prepare.exitCode(), prepare.stderr());
        Path out = dir.resolve("signed");
        Path script = Files.writeString(dir.resolve("pipe.sh"), "#!/bin/sh\nprintf 's3cret pass\\n' | java -jar '" + jar
                + "' '" + req + "' --key '" + encrypted + "' --passphrase-file /dev/stdin --out '" + out + "'\n"
                + "echo \"exit $?\"\nsleep 60\n");
        script.toFile().setExecutable(true);
        Tools.Result tmux = Tools.run(null, "tmux", "new-session", "-d", "-s", SESSION, "-x", Integer.toString(WIDTH), "-y",
                "60", script.toString());
        assertEquals(0, tmux.exitCode(), tmux.stderr());
        String screen = waitFor("Type the number of enclaves to sign (1) to go on:");
        assertFalse(screen.contains("s3cret"), "the passphrase is never shown:\n" + screen);
        assertEquals(0, Tools.run(null, "tmux", "send-keys", "-t", SESSION, "1", "Enter").exitCode());
        String after = waitFor("exit ");
        assertTrue(after.contains("exit 0") && after.contains("1 signed, 0 already signed"), after);
    }

    /**
     * Issue 14: with --witness-confirmation each witness in turn types their name and the count on the
     * terminal after the operator; a wrong name stops the ceremony with nothing signed.
     */
    @Test
    void eachWitnessTypesTheirNameAndTheCount() throws Exception {
        Tools.require("tmux");
        Path jar = Vectors.projectRoot().resolve("sign-offline/target/sign-offline.jar");
        Path key = dir.resolve("k.pem");
        assertEquals(0, Tools.run(null, "java", "-jar", jar.toString(), "keygen", "--out", key.toString()).exitCode());
        Path req = dir.resolve("req");
        Tools.Result prepare = Tools.run(null, LauncherIT.LAUNCHER, "prepare", "--mrenclave", "ab".repeat(32),
                "--isvprodid", "1", "--isvsvn", "2", "--name", "app", "--out", req.toString());
        assertEquals(0, prepare.exitCode(), prepare.stderr());
        for (boolean honest : new boolean[] {false, true}) {
            Path out = dir.resolve(honest ? "signed" : "refused");
            Path script = Files.writeString(dir.resolve("witness.sh"), "#!/bin/sh\njava -jar '" + jar + "' '" + req
                    + "' --key '" + key + "' --out '" + out + "' --operator Olga --witness Eve --witness 'Frank F'"
                    + " --witness-confirmation --record '" + dir.resolve(honest ? "r.html" : "x.html") + "'\n"
                    + "echo \"exit $?\"\nsleep 60\n");
            script.toFile().setExecutable(true);
            Tools.Result tmux = Tools.run(null, "tmux", "new-session", "-d", "-s", SESSION, "-x", Integer.toString(WIDTH),
                    "-y", "60", script.toString());
            assertEquals(0, tmux.exitCode(), tmux.stderr());
            waitFor("Type the number of enclaves to sign (1) to go on:");
            Tools.ok("tmux", "send-keys", "-t", SESSION, "1", "Enter");
            waitFor("Witness Eve, type your name:");
            Tools.ok("tmux", "send-keys", "-t", SESSION, "Eve", "Enter");
            String eve = waitFor("Witness Eve, type your name: Eve");
            assertTrue(eve.contains("Type the number of enclaves to sign (1) to go on:"), eve);
            Tools.ok("tmux", "send-keys", "-t", SESSION, "1", "Enter");
            waitFor("Witness Frank F, type your name:");
            Tools.ok("tmux", "send-keys", "-t", SESSION, honest ? "Frank F" : "Mallory", "Enter");
            if (honest) {
                waitFor("Witness Frank F, type your name: Frank F");
                Tools.ok("tmux", "send-keys", "-t", SESSION, "1", "Enter");
                String end = waitFor("exit 0");
                assertTrue(end.contains("1 signed, 0 already signed"), end);
                assertTrue(Files.readString(dir.resolve("r.html")).contains("Witness: Frank F<br>"), "signature line");
            } else {
                String end = waitFor("exit ");
                assertTrue(end.contains("witness Frank F did not confirm (typed 'Mallory'); nothing was signed")
                        && end.contains("exit 7"), end);
                assertFalse(Files.exists(out.resolve("app.sgx1.sigstruct")), "nothing signed");
            }
            Tools.run(null, "tmux", "kill-session", "-t", SESSION);
        }
    }

    /**
     * A command typed in a terminal starts no process: picocli finds a terminal's width with
     * {@code stty}, which cost an interactive {@code inspect} about 40 ms; the width is asked for only
     * when help is printed. The class-loading log tells whether a process was started ({@code ProcessImpl}).
     */
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
                + "echo \"inspect exit $?\" > '" + done + ".inspect'\n"
                + "java -Xlog:class+load:file='" + helpLog + "' -jar '" + jar + "' inspect --help\n"
                + "echo \"help exit $?\" > '" + done + "'\nsleep 60\n");
        script.toFile().setExecutable(true);
        Tools.Result tmux = Tools.run(null, "tmux", "new-session", "-d", "-s", SESSION, "-x", Integer.toString(WIDTH), "-y",
                "60", script.toString());
        assertEquals(0, tmux.exitCode(), tmux.stderr());
        for (int i = 0; i < 600 && !Files.exists(done); i++) {
            Thread.sleep(100);
        }
        assertEquals("inspect exit 0", Files.readString(dir.resolve("done.inspect")).strip());
        assertEquals("help exit 0", Files.readString(done).strip());
        assertFalse(Files.readString(inspectLog).contains("java.lang.ProcessImpl "),
                "inspect in a terminal started a process (picocli's stty?)");
        // The check can see a process: printing help asks the terminal's width, which starts stty.
        assertTrue(Files.readString(helpLog).contains("java.lang.ProcessImpl "), "help did not ask the terminal's width");
    }

    private static String waitFor(String text) throws InterruptedException {
        String screen = "";
        for (int i = 0; i < 300; i++) {
            Tools.Result capture = Tools.run(null, "tmux", "capture-pane", "-p", "-J", "-t", SESSION, "-S", "-60");
            screen = new String(capture.stdout(), StandardCharsets.UTF_8);
            if (screen.contains(text)) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the terminal never showed '" + text + "':\n" + screen);
    }
}
