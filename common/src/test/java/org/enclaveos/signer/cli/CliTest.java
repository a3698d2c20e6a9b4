package org.enclaveos.signer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Command;

class CliTest {
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
}
