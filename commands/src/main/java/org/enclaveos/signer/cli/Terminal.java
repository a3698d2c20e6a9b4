package org.enclaveos.signer.cli;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The operator's terminal, for a typed answer: Java's console when stdin and stdout are the terminal,
 * else the controlling terminal itself ({@code /dev/tty}), so a passphrase can come through a pipe
 * ({@code pass show key | sign-offline ... --passphrase-file /dev/stdin}) while the confirmation is
 * still typed by a person. No terminal at all (a CI job): null, and the caller says what to give.
 */
public final class Terminal {
    /**
     * Where the controlling terminal is; a test JVM, which may have inherited one, is given "none" so it
     * never waits for a person.
     */
    static final String TTY = System.getProperty("enclaveos.tty", "/dev/tty");

    private Terminal() {
    }

    /** One line typed after {@code prompt}; null when there is no terminal to ask on. */
    public static String readLine(String prompt) {
        java.io.Console console = System.console();
        if (console != null) {
            return console.readLine("%s", prompt);
        }
        if (TTY.equals("none")) {
            return null;
        }
        try (FileInputStream in = new FileInputStream(TTY); FileOutputStream outStream = new FileOutputStream(TTY)) {
            Writer out = new OutputStreamWriter(outStream, StandardCharsets.UTF_8);
            out.write(prompt);
            out.flush();
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            // No controlling terminal (ENXIO): the same as no console.
            return null;
        }
    }
}
