package org.enclaveos.signer.signoffline;

import java.io.Console;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Passphrases and PINs: from a file (its first line), from a named environment variable, or typed
 * at a prompt without echo. Never from the command line, where every user of the machine can read
 * them, and never logged.
 */
final class Secrets {
    private Secrets() {
    }

    /**
     * @param what  "passphrase" or "PIN", for messages
     * @param file  --passphrase-file / --pin-file, or null
     * @param env   --passphrase-env / --pin-env (a variable NAME), or null
     * @param hint  the options to name when there is no terminal to prompt on
     */
    static char[] read(String what, Path file, String env, String prompt, String hint) {
        if (file != null) {
            // A passphrase or PIN file holds one line; anything near this size is not one.
            byte[] raw = org.enclaveos.signer.io.SmallFiles.readAny(file, 4096, what + " file");
            try {
                CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw));
                int end = 0;
                while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                    end++;
                }
                char[] secret = new char[end];
                chars.get(0, secret);
                Arrays.fill(chars.array(), '\0');
                return secret;
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
        }
        if (env != null) {
            String value = System.getenv(env);
            if (value == null) {
                throw new SignerException(ErrorKind.KEY, "environment variable " + env + " (named for the " + what
                        + ") is not set");
            }
            return value.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw new SignerException(ErrorKind.KEY, "no terminal to ask for the " + what + " on; give " + hint);
        }
        char[] typed = console.readPassword("%s", prompt);
        if (typed == null) {
            throw new SignerException(ErrorKind.KEY, "no " + what + " given");
        }
        return typed;
    }
}
