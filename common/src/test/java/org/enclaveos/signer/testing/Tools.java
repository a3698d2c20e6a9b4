package org.enclaveos.signer.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs real binaries (openssl, later skopeo and friends) as independent cross-checks. In CI
 * (ENCLAVEOS_REQUIRE_TOOLS=1, set by the test script after installing them) a missing binary fails
 * the test; elsewhere it is skipped with a message.
 */
public final class Tools {
    private Tools() {
    }

    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    public static void require(String tool) {
        boolean present = tool.contains("/") ? Path.of(tool).toFile().canExecute() : Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Path.of(d, tool).toFile().canExecute());
        if (!present) {
            String message = tool + " is not installed";
            if ("1".equals(System.getenv("ENCLAVEOS_REQUIRE_TOOLS"))) {
                fail(message + "; ENCLAVEOS_REQUIRE_TOOLS=1 makes it mandatory");
            }
            System.out.println("SKIPPED: " + message); // on the console, not only in surefire's XML
            assumeTrue(false, message + "; skipping the cross-check");
        }
    }

    /** Runs a command; stdin may be null. */
    public static Result run(byte[] stdin, String... command) {
        require(command[0]);
        try {
            Process p = new ProcessBuilder(command).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin);
            }
            p.getOutputStream().close();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errReader = new Thread(() -> copy(p.getErrorStream(), err));
            errReader.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + String.join(" ", command));
            }
            errReader.join();
            return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a command that must succeed; returns its stdout. */
    public static byte[] ok(byte[] stdin, String... command) {
        Result r = run(stdin, command);
        assertEquals(0, r.exitCode(), () -> String.join(" ", command) + " failed: " + r.stderr());
        return r.stdout();
    }

    public static byte[] ok(String... command) {
        return ok(null, command);
    }

    public static List<String> list(String... parts) {
        return new ArrayList<>(List.of(parts));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // The process ended; what was read is what there is.
        }
    }
}
